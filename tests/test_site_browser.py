"""The published site in a real browser: Debian chromium driven by playwright.

Builds the bundled example through the whole pipeline (`rescore report ... --out DIR`, which
publishes the rules scoring run with mike), publishes the imported scoring run as a second
version, serves DIR on 127.0.0.1 and checks every main page: no console errors or failed
requests, every chart rendered (an svg or canvas inside it), the version selector listing both
versions, and the example's `<script>` response shown as text without running; then the
reader's views (issue 14.9): a question page filtered by score, the compare view of two
configs, a filtered leaderboard, Top performers at 390 px, a model search, and a site built
from hostile config/model names running no script. Screenshots go to
build/test-output/screenshots/.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rescore.site_builder import build_site

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "test-output" / "screenshots"  # kept: pytest prunes old tmp folders
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MAIN_PAGES = [
    "",
    "categories/draft/",
    "categories/architect_ingest/",
    "top-performers/",
    "findings/",
    "models-to-avoid/",
    "drift/",
    "critical-issues/",
    "suites/",
    "methodology/",
    "downloads/",
    "configs/",
]
# The example config whose response quotes `<script>alert('xss')</script>` (examples/README.md).
XSS_CONFIG = "configs/coder_primary_baseline/"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _playwright():
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian chromium is not installed (/usr/bin/chromium): apt-get install -y chromium"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    return sync_playwright


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two versions in one folder: the rules scoring run (latest) and the imported scores."""
    _playwright()
    tmp = tmp_path_factory.mktemp("browser")
    warehouse, out = tmp / "w.duckdb", tmp / "pub"
    ex = ROOT / "examples"
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "rescore"),
            "--warehouse",
            str(warehouse),
            "report",
            str(ex / "prompts"),
            str(ex / "runs" / "20260101_120000"),
            "--scores",
            str(ex / "reviews"),
            "--summary",
            str(ex / "summary.csv"),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert (out / "versions.json").exists(), proc.stdout + proc.stderr
    assert build_site(warehouse, out=out, version="imported", scoring_run="imported") == 0
    return out


@pytest.fixture(scope="module")
def server(published: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(published))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser(published: Path):
    sync_playwright = _playwright()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _open(browser, url: str):
    """A page with its console errors, page errors, failed requests and dialogs recorded."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, problems


def test_versions_folder_layout(published: Path) -> None:
    versions = json.loads((published / "versions.json").read_text())
    names = {v["version"]: v for v in versions}
    assert set(names) == {"rules-blind", "imported"}
    assert "latest" in names["rules-blind"]["aliases"] or "latest" in names["imported"]["aliases"]
    for name in names:
        assert (published / name / "index.html").exists()
    assert (published / "latest" / "index.html").exists()


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_main_pages_load_cleanly_and_render_charts(
    browser, server: str, path: str, tmp_path_factory
) -> None:
    page, problems = _open(browser, f"{server}/latest/{path}")
    try:
        page.wait_for_function(
            "() => [...document.querySelectorAll('.rescore-chart')].every("
            "e => e.querySelector('svg, canvas') || e.dataset.error)",
            timeout=20_000,
        )
        charts = page.eval_on_selector_all(
            ".rescore-chart",
            "els => els.map(e => [e.dataset.chart, !!e.querySelector('svg, canvas'),"
            " e.dataset.error || ''])",
        )
        shots = SHOTS
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(shots / f"{path.strip('/').replace('/', '_') or 'index'}.png"), full_page=True
        )
    finally:
        page.close()
    assert not problems, problems
    for name, rendered, error in charts:
        assert rendered and not error, f"chart {name} did not render: {error}"
    if path in ("categories/draft/", "suites/", "critical-issues/"):
        assert charts, f"{path} should show charts"


def test_every_page_of_the_latest_version_loads_cleanly(
    browser, server: str, published: Path
) -> None:
    """Not just the main pages: every generated page (config pages, acceleration, ...)."""
    latest = (published / "latest").resolve()
    # dbt-docs/ is dbt's own app (it requests an unrendered Angular template URL on load)
    paths = sorted(
        str(p.parent.relative_to(latest))
        for p in latest.rglob("index.html")
        if "dbt-docs" not in p.parts
    )
    assert len(paths) > len(MAIN_PAGES)
    page = browser.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"{page.url} console: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"{page.url} page error: {e}"))
    page.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    page.on("dialog", lambda d: (problems.append(f"{page.url} dialog: {d.message}"), d.dismiss()))
    unrendered = []
    try:
        for path in paths:
            url = f"{server}/latest/" + ("" if path == "." else f"{path}/")
            page.goto(url)
            page.wait_for_load_state("networkidle")
            page.wait_for_function(
                "() => [...document.querySelectorAll('.rescore-chart')].every("
                "e => e.querySelector('svg, canvas') || e.dataset.error)",
                timeout=20_000,
            )
            unrendered += page.eval_on_selector_all(
                ".rescore-chart:not(:has(svg)):not(:has(canvas))",
                f"els => els.map(e => '{path}: ' + e.dataset.chart)",
            )
    finally:
        page.close()
    assert not problems, problems
    assert not unrendered, unrendered


def test_charts_follow_the_dark_palette(browser, server: str) -> None:
    page, problems = _open(browser, f"{server}/latest/categories/draft/")
    try:
        page.wait_for_selector(".rescore-chart[data-rendered='light']")
        page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
        page.wait_for_selector(".rescore-chart[data-rendered='dark'] svg")
    finally:
        page.close()
    assert not problems, problems


def test_version_selector_lists_both_versions(browser, server: str) -> None:
    page, problems = _open(browser, f"{server}/latest/")
    try:
        page.wait_for_selector(".md-version__list", state="attached", timeout=10_000)
        listed = page.eval_on_selector_all(
            ".md-version__item", "els => els.map(e => e.textContent.trim())"
        )
    finally:
        page.close()
    assert not problems, problems
    assert any("rules-blind" in t for t in listed), listed
    assert any("imported" in t for t in listed), listed


def test_injected_script_in_a_response_does_not_run(browser, server: str) -> None:
    page, problems = _open(browser, f"{server}/latest/{XSS_CONFIG}")
    try:
        texts = page.eval_on_selector_all(
            "details.rescore-response pre", "els => els.map(e => e.textContent)"
        )
        injected = page.evaluate(
            "[...document.scripts].some(s => s.textContent.includes(\"alert('xss')\"))"
        )
        sources = page.evaluate("[...document.scripts].map(s => s.src).filter(Boolean)")
    finally:
        page.close()
    assert not problems, problems  # an alert() would show up here as a dialog
    assert any("<script>alert('xss')</script>" in t for t in texts)
    assert any("</details>" in t for t in texts)
    assert not injected, "the response became a <script> element"
    assert sources and all(s.startswith("http://127.0.0.1") for s in sources), sources


def test_dbt_docs_are_in_the_site_without_tracking(published: Path) -> None:
    docs = published / "latest" / "dbt-docs"
    manifest = json.loads((docs / "manifest.json").read_text())
    assert (docs / "index.html").exists() and (docs / "catalog.json").exists()
    assert manifest["metadata"].get("send_anonymous_usage_stats") is False
    assert "marts" in json.dumps(manifest["nodes"])
    methodology = (published / "latest" / "methodology" / "index.html").read_text()
    assert 'href="../dbt-docs/index.html"' in methodology


def test_site_works_after_the_folder_moves(published: Path, tmp_path: Path) -> None:
    """The output is plain files (plus a symlink): copying it keeps every version browsable."""
    copy = tmp_path / "copy"
    shutil.copytree(published, copy, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    assert (copy / "latest" / "index.html").exists()
    assert (copy / "imported" / "categories").is_dir()


# --- issue 14.9: the reader's views, with screenshots -------------------------------------


def _shot(page, tmp_path_factory, name: str) -> Path:
    shots = SHOTS
    shots.mkdir(parents=True, exist_ok=True)
    path = shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _visible_rows(page, selector: str = "table.rescore-filterable tbody tr") -> int:
    return page.eval_on_selector_all(selector, "els => els.filter(e => !e.hidden).length")


def test_question_page_filters_by_score(browser, server: str, tmp_path_factory) -> None:
    page, problems = _open(browser, f"{server}/latest/questions/")
    try:
        page.click("table.rescore-filterable tbody tr a")
        page.wait_for_load_state("networkidle")
        assert "/questions/" in page.url
        total = _visible_rows(page)
        scores = page.eval_on_selector_all(
            "table.rescore-filterable tbody tr", "els => els.map(e => e.dataset.score)"
        )
        page.select_option(".rescore-filter-score", scores[0])
        kept = _visible_rows(page)
        _shot(page, tmp_path_factory, "question-page")
        links = page.eval_on_selector_all(
            "table.rescore-filterable tbody tr a", "els => els.map(e => e.href)"
        )
    finally:
        page.close()
    assert not problems, problems
    assert total > 0 and kept == scores.count(scores[0])
    assert links and all("/configs/" in h and "#r-" in h for h in links)


def test_compare_view_of_two_configs(browser, server: str, published: Path, tmp_path_factory):
    index = json.loads((published / "latest" / "assets" / "compare" / "index.json").read_text())
    scored = [c for c in index if c["pct"] is not None]  # configs with judged answers
    a, b = scored[0]["config"], scored[1]["config"]
    page, problems = _open(browser, f"{server}/latest/compare/?configs={a},{b}")
    try:
        page.wait_for_selector(".rescore-compare-table tbody tr", timeout=15_000)
        heads = page.eval_on_selector_all(
            ".rescore-compare-table th", "els => els.map(e => e.textContent)"
        )
        every = _visible_rows(page, ".rescore-compare-table tbody tr")
        page.check(".rescore-compare-disagree")
        page.wait_for_selector(".rescore-compare-count")
        differing = _visible_rows(page, ".rescore-compare-table tbody tr")
        _shot(page, tmp_path_factory, "compare-two-configs")
    finally:
        page.close()
    assert not problems, problems
    assert len(heads) == 3 and a in heads[1] and b in heads[2]
    assert 0 <= differing <= every and every > 0


def test_filtered_leaderboard(browser, server: str, tmp_path_factory) -> None:
    page, problems = _open(browser, f"{server}/latest/categories/draft/")
    try:
        total = _visible_rows(page)
        first = page.eval_on_selector(
            "table.rescore-filterable tbody tr td.rescore-model small", "e => e.textContent"
        )
        page.fill(".rescore-filter-text", first)
        kept = _visible_rows(page)
        count = page.text_content(".rescore-filter-count")
        _shot(page, tmp_path_factory, "filtered-leaderboard")
    finally:
        page.close()
    assert not problems, problems
    assert total > 1 and 1 <= kept < total and f"{kept} of {total}" in count


def test_top_performers_at_390_px(browser, server: str, tmp_path_factory) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(f"{server}/latest/top-performers/")
        page.wait_for_load_state("networkidle")
        right = page.evaluate(
            "() => { const ths = [...document.querySelectorAll('table.rescore-picks th')];"
            " const th = ths.find(t => t.textContent.trim() === 'Score');"
            " const r = th.getBoundingClientRect(); return r.right; }"
        )
        width = page.evaluate("() => document.documentElement.clientWidth")
        _shot(page, tmp_path_factory, "top-performers-390px")
    finally:
        page.close()
    assert right <= width, f"Score column ends at {right}px on a {width}px screen"


def test_search_finds_a_model_by_name(browser, server: str, published: Path, tmp_path_factory):
    index = json.loads((published / "latest" / "assets" / "compare" / "index.json").read_text())
    target = next(c for c in index if "-" in str(c["label"]))
    word = str(target["label"]).split("-")[0]
    page, problems = _open(browser, f"{server}/latest/")
    try:
        page.click(".md-search__input")
        # the search worker builds its index first (seconds on a busy machine)
        page.wait_for_function(
            "() => !document.querySelector('.md-search-result__meta') ||"
            " !/Initializing/i.test(document.querySelector('.md-search-result__meta').textContent)",
            timeout=60_000,
        )
        page.keyboard.type(word, delay=50)
        page.wait_for_selector(".md-search-result__item", timeout=60_000)
        page.wait_for_timeout(500)  # the results of the whole word, not of its first letters
        hrefs = page.eval_on_selector_all(
            ".md-search-result__item a", "els => els.map(e => e.href)"
        )
        _shot(page, tmp_path_factory, "search-model-name")
    finally:
        page.close()
    assert not problems, problems
    # Config pages are out of the index (bounded at scale); the All configs page, which lists
    # every model by name and is boosted, stands in for them among the first results.
    assert any("/configs/" in h for h in hrefs[:5]), hrefs[:10]


@pytest.fixture(scope="module")
def hostile_site(site_marts: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain site built from the fixture whose config and model names are markup."""
    _playwright()
    out = tmp_path_factory.mktemp("hostile") / "site"
    assert build_site(site_marts, site_dir=out) == 0
    return out


def test_hostile_names_run_no_script(browser, hostile_site: Path) -> None:
    from tests.site_marts import HOSTILE_CONFIG

    pages = [p for p in hostile_site.rglob("index.html") if "dbt-docs" not in p.parts]
    hostile = [p for p in pages if "onload" in p.parent.name or "svg" in p.parent.name]
    assert hostile, "the hostile config has a page"
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pwned = []
    try:
        for path in [
            *hostile,
            hostile_site / "index.html",
            hostile_site / "top-performers" / "index.html",
            hostile_site / "categories" / "general_worker" / "index.html",
            hostile_site / "configs" / "index.html",
        ]:
            if not path.exists():
                continue
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            if page.evaluate("() => window.__rescore_pwned !== undefined"):
                pwned.append(str(path))
        text = page.content()
    finally:
        page.close()
    assert not pwned and not dialogs, (pwned, dialogs)
    assert HOSTILE_CONFIG not in text or "&lt;svg" in text


def _check_sorts(page, selector: str) -> int:
    """Click every header of every sortable table under `selector`; each click must leave the
    column in order (numbers numerically, empty cells last; text by locale). Returns the
    number of columns checked."""
    checked = 0
    for t in range(page.locator(selector).count()):
        table = page.locator(selector).nth(t)
        heads = table.locator("thead th")
        for i in range(heads.count()):
            head = heads.nth(i)
            numeric = head.get_attribute("data-sort-type") == "number"
            head.click()
            order = head.get_attribute("aria-sort")
            values = table.evaluate(
                "(table, i) => [...table.tBodies[0].rows].map(r => { const c = r.cells[i];"
                " if (!c) return null; return c.hasAttribute('data-sort') ?"
                " c.getAttribute('data-sort') : c.textContent.trim(); })",
                i,
            )
            if numeric:
                nums = [float(v) for v in values if v not in (None, "") and _is_number(v)]
                want = sorted(nums, reverse=order == "descending")
                assert nums == want, (selector, i, values[:10])
                tail = values[len(nums) :]
                assert all(v in (None, "") or not _is_number(v) for v in tail), (i, tail[:5])
            else:
                got = page.evaluate(
                    "vs => vs.slice().sort((a, b) => (a || '').toLowerCase().localeCompare("
                    "(b || '').toLowerCase(), undefined, {numeric: true}))",
                    values,
                )
                if order == "descending":
                    got = got[::-1]
                assert [v or "" for v in values] == [v or "" for v in got], (selector, i)
            checked += 1
    return checked


def _is_number(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("path", ["acceleration/", "critical-issues/"])
def test_acceleration_and_critical_tables_sort(browser, server: str, path: str) -> None:
    page, problems = _open(browser, f"{server}/latest/{path}")
    try:
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        checked = _check_sorts(page, "table[data-sortable]")
    finally:
        page.close()
    assert not problems, problems
    assert checked > 0, f"{path}: no sortable column"


def test_acceleration_page_is_a_summary_first(browser, server: str, tmp_path_factory) -> None:
    """The summary table comes first; each role links to its own page (the per-role tables
    grow with the runs) with every config of the role in a sortable table; the page height
    is printed (the real run's is measured the same way, see the note)."""
    page, problems = _open(browser, f"{server}/latest/acceleration/")
    try:
        first = page.eval_on_selector("table[data-sortable] thead", "e => e.textContent")
        height = page.evaluate("() => document.documentElement.scrollHeight")
        _shot(page, tmp_path_factory, "acceleration")
        link = page.locator("table[data-sortable] tbody td.rescore-model a").first
        role = link.text_content()
        link.click()
        page.wait_for_load_state()
        heading = page.eval_on_selector("article h1", "e => e.textContent")
        configs = page.eval_on_selector_all(
            "div.rescore-role table[data-sortable] tbody tr", "els => els.length"
        )
    finally:
        page.close()
    print(f"acceleration page height: {height} px")
    assert not problems, problems
    assert "Baseline tok/s" in first and "Recommended config" in first and "Caveat" in first
    assert role and role in heading
    assert configs >= 2  # a role on the summary has more than its baseline
    assert height < 20_000


def test_config_page_loads_a_prompt_when_opened(browser, server: str, published: Path) -> None:
    """A config page's Prompt block is filled from the suite's JSON when opened, as text."""
    latest = (published / "latest").resolve()
    html = next(
        p
        for p in sorted((latest / "configs").rglob("index.html"))
        if "rescore-lazy" in p.read_text(encoding="utf-8")
    )
    path = str(html.parent.relative_to(latest))
    page, problems = _open(browser, f"{server}/latest/{path}/")
    try:
        block = page.locator("details.rescore-lazy[data-field='prompt']").first
        src, key = block.get_attribute("data-src"), block.get_attribute("data-key")
        block.locator("summary").click()
        page.wait_for_function(
            "e => e.getAttribute('data-filled') === '1'", arg=block.element_handle()
        )
        shown = block.locator("pre").text_content()
        note_hidden = block.locator(".rescore-lazy-note").evaluate("e => e.hidden")
    finally:
        page.close()
    assert not problems, problems
    suite_file = (html.parent / src).resolve()
    assert shown == json.loads(suite_file.read_text(encoding="utf-8"))[key]["prompt"]
    assert shown and note_hidden
