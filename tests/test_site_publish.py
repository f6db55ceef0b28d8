"""`rescore site --out DIR --version NAME`: mike versions in a folder with a repository of its own.

Real mike and mkdocs on a synthetic warehouse with two scoring runs: publishing adds a
version without touching the others, `latest` follows the newest scoring run whatever the
publishing order, and the project's own git repository is never written to. Then the ways a
publish goes wrong, with real processes (issue 11.3): a stale git lock, kill -9 while mike
builds and while DIR is being updated, two publishes into one folder at once, bad version
names. After each, every version in versions.json is on disk and browsable.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rescore.paths import project_root
from rescore.publish import InvalidVersion, leftovers, stale_git_locks, validate_version
from rescore.site_builder import build_site
from tests.site_marts import SyntheticSpec, build_synthetic_warehouse

pytestmark = pytest.mark.slow

PROJECT_ROOT = project_root()

OLD, NEW = "2026-01-01-rules", "2026-01-16-blind"  # created in this order by the fixture


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_synthetic_warehouse(
        tmp_path_factory.mktemp("wh") / "w.duckdb",
        SyntheticSpec(configs_per_role=1, questions_per_suite=2, scoring_runs=(OLD, NEW)),
    )


def _versions(out: Path) -> dict[str, dict]:
    return {v["version"]: v for v in json.loads((out / "versions.json").read_text())}


def _project_has_pages_branch() -> bool:
    return (
        subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--verify", "-q", "refs/heads/gh-pages"],
            capture_output=True,
        ).returncode
        == 0
    )


def assert_browsable(out: Path, *, settled: bool = True) -> None:
    """Every version and alias in versions.json has its pages on disk; nothing half done.

    `settled=False` after a kill: an alias may already hold the next version's complete pages
    while versions.json (replaced last) still names the previous one.
    """
    versions = json.loads((out / "versions.json").read_text())
    assert versions
    for v in versions:
        for name in [v["version"], *v["aliases"]]:
            assert (out / name / "index.html").is_file(), name
        for alias in v["aliases"]:  # a copy alias holds its version's pages
            alias_index = (out / alias / "index.html").read_text()
            if settled:
                assert alias_index == (out / v["version"] / "index.html").read_text(), alias
            else:
                on_disk = [d / "index.html" for d in out.iterdir() if d.name != alias]
                assert any(f.is_file() and f.read_text() == alias_index for f in on_disk)
        assert (out / v["version"] / "configs" / "draft_cfg0" / "index.html").is_file()
        assert (out / v["version"] / "assets" / "rescore.css").is_file()
    assert (out / "index.html").is_file()


def rescore_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("rescore")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "rescore.cli"]


def test_versions_are_added_kept_and_latest_is_the_newest(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "pub"
    had_branch = _project_has_pages_branch()
    # newest first, then an older one: latest must stay on the newest scoring run
    assert build_site(warehouse, out=out, scoring_run=NEW) == 0
    new_index = (out / NEW / "index.html").read_text()
    assert build_site(warehouse, out=out, version="older", scoring_run=OLD) == 0

    versions = _versions(out)
    assert set(versions) == {NEW, "older"}
    assert versions[NEW]["aliases"] == ["latest"]
    assert versions["older"]["aliases"] == []
    assert versions["older"]["properties"]["scoring_run"] == OLD
    # the selector's title carries the judge and the scoring date
    props = versions[NEW]["properties"]
    assert props["scored_at"][:10] in versions[NEW]["title"]
    assert props.get("judge") and props["judge"] in versions[NEW]["title"]
    # latest is a copy alias (no symlink, for hosts that do not follow them)
    assert not (out / "latest").is_symlink()
    for page in ("index.html", "configs/draft_cfg0/index.html", "assets/rescore.css"):
        assert (out / "latest" / page).read_bytes() == (out / NEW / page).read_bytes()
    assert (out / NEW / "index.html").read_text() == new_index  # untouched
    assert OLD in (out / "older" / "index.html").read_text()
    assert_browsable(out)
    # the root redirects to latest
    assert "latest" in (out / "index.html").read_text()
    assert (out / ".git").is_dir()
    assert _project_has_pages_branch() == had_branch  # mike wrote to DIR/.git only

    # republishing a version replaces only that version
    assert build_site(warehouse, out=out, version="older", scoring_run=OLD) == 0
    assert set(_versions(out)) == {NEW, "older"}
    assert (out / NEW / "index.html").read_text() == new_index
    # DIR is a clean checkout of its pages branch
    status = subprocess.run(
        ["git", "-C", str(out), "status", "--porcelain"], capture_output=True, text=True
    )
    assert status.stdout.strip() == ""

    # a stale git lock and a staging folder of a killed publish are recovered
    (out / ".git" / "index.lock").write_text("")
    (out / ".rescore-staging-99999").mkdir()
    assert stale_git_locks(out) and leftovers(out)
    assert build_site(warehouse, out=out, version="third", scoring_run=OLD) == 0
    assert not stale_git_locks(out) and not leftovers(out)
    assert set(_versions(out)) == {NEW, "older", "third"}
    assert_browsable(out)


def test_refuses_a_folder_that_is_not_a_site(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert build_site(warehouse, out=out) == 2
    assert (out / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "name", ["<img src=x onerror=alert(1)>", "a b", "../up", "latest", "", "-x", "a/b", "v'1"]
)
def test_bad_version_names_are_usage_errors(warehouse: Path, tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidVersion):
        validate_version(name)
    proc = subprocess.run(
        [
            *rescore_cmd(),
            "--warehouse",
            str(warehouse),
            "site",
            "--out",
            str(tmp_path / "o"),
            f"--version={name}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "invalid version name" in proc.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("good", ["2026-01-16-blind", "rules_v1.2", "A"])
def test_good_version_names_pass(good: str) -> None:
    assert validate_version(good) == good


def _publish_proc(warehouse: Path, out: Path, version: str, run: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *rescore_cmd(),
            "--warehouse",
            str(warehouse),
            "site",
            "--out",
            str(out),
            "--version",
            version,
            "--scoring-run",
            run,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        path = Path(f"/proc/{p}/task/{p}/children")
        kids = [int(k) for k in path.read_text().split()] if path.exists() else []
        found += kids
        todo += kids
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_kill_9_while_mike_builds_then_rerun(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "pub"
    assert build_site(warehouse, out=out, version="first", scoring_run=OLD) == 0
    proc = _publish_proc(warehouse, out, "second", NEW)
    deadline = time.monotonic() + 60
    mike = []
    while time.monotonic() < deadline and not mike:
        mike = _descendants(proc.pid)
        time.sleep(0.05)
    assert mike, "the publish never started mike"
    time.sleep(3)  # mike is running mkdocs now
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in mike) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in mike), "mike/mkdocs outlived the killed publish"
    assert_browsable(out)  # still the first version, whole
    # re-run: succeeds, both versions present
    rerun = _publish_proc(warehouse, out, "second", NEW)
    _, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert set(_versions(out)) == {"first", "second"}
    assert_browsable(out)
    assert not stale_git_locks(out) and not leftovers(out)


KILL_DURING_PROJECTION = """
import os, signal, sys
from pathlib import Path
import rescore.publish as pub
from rescore.site_builder import build_site

real = pub._swap_in
count = {"n": 0}

def swap_then_die(staged, dest, old):
    real(staged, dest, old)
    count["n"] += 1
    if count["n"] == int(sys.argv[3]):
        os.kill(os.getpid(), signal.SIGKILL)

pub._swap_in = swap_then_die
build_site(Path(sys.argv[1]), out=Path(sys.argv[2]), version="second", scoring_run=sys.argv[4])
"""


@pytest.mark.parametrize("after_swaps", [1, 2])
def test_kill_9_while_the_folder_is_updated_then_rerun(
    warehouse: Path, tmp_path: Path, after_swaps: int
) -> None:
    out = tmp_path / "pub"
    assert build_site(warehouse, out=out, version="first", scoring_run=OLD) == 0
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            KILL_DURING_PROJECTION,
            str(warehouse),
            str(out),
            str(after_swaps),
            NEW,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert leftovers(out)  # it really died half way through the update
    assert_browsable(out, settled=False)
    assert build_site(warehouse, out=out, version="third", scoring_run=OLD) == 0
    assert set(_versions(out)) == {"first", "second", "third"}
    assert_browsable(out)
    assert not leftovers(out)


def test_two_publishes_into_one_folder_at_once(warehouse: Path, tmp_path: Path) -> None:
    # two warehouses, so only the publish folder is shared (one warehouse would serialise them
    # through the warehouse lock before they got there)
    other = tmp_path / "other.duckdb"
    shutil.copyfile(warehouse, other)
    out = tmp_path / "pub"
    a = _publish_proc(warehouse, out, "alpha", OLD)
    b = _publish_proc(other, out, "beta", NEW)
    out_a, err_a = a.communicate(timeout=900)
    out_b, err_b = b.communicate(timeout=900)
    assert a.returncode == 0, err_a
    assert b.returncode == 0, err_b
    assert "waiting for" in out_a + out_b  # one waited for the other
    versions = _versions(out)
    assert set(versions) == {"alpha", "beta"}
    assert versions["beta"]["aliases"] == ["latest"]
    assert_browsable(out)
    assert os.path.isdir(out / ".git")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.browser
def test_version_switch_keeps_the_page(warehouse: Path, tmp_path: Path) -> None:
    """From a leaderboard of one version, the selector lands on the same leaderboard of the
    other (site_url set, so each version's sitemap lists its pages); screenshot saved."""
    import functools
    import http.server
    import threading

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    out = tmp_path / "pub"
    assert build_site(warehouse, out=out, version="old", scoring_run=OLD, site_url=url) == 0
    assert build_site(warehouse, out=out, version="new", scoring_run=NEW, site_url=url) == 0
    assert "<loc>" in (out / "new" / "sitemap.xml").read_text()
    board = sorted(p.name for p in (out / "new" / "categories").iterdir() if p.is_dir())[0]
    path = f"categories/{board}/"
    # the 404 page finds its assets relative to its own folder
    assert 'href="./assets/' in (out / "new" / "404.html").read_text()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(Quiet, directory=str(out))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(chromium), args=["--headless", "--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{url}new/{path}")
            page.wait_for_selector(".md-version__current")
            current = page.inner_text(".md-version__current")
            assert "new" in current and "latest" in current  # title + the latest mark
            page.hover(".md-version")
            links = page.eval_on_selector_all(
                ".md-version__link", "els => els.map(e => e.innerText)"
            )
            old_date = _versions(out)["old"]["properties"]["scored_at"][:10]
            assert any("old" in t and old_date in t and "rules" in t for t in links), links
            # the selector's own click handler (material) maps the page into the other version
            page.locator(".md-version__link[href$='/old/']").dispatch_event("click")
            page.wait_for_url(f"{url}old/{path}", timeout=20_000)
            page.screenshot(path=str(shots / "version-switch.png"), full_page=False)
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    print(f"screenshot: {shots / 'version-switch.png'}")
    assert (shots / "version-switch.png").stat().st_size > 0


@pytest.mark.browser
def test_version_switch_keeps_config_and_question_pages_without_site_url(
    warehouse: Path, tmp_path: Path
) -> None:
    """Published without --site-url (mkdocs' sitemap would be empty), the selector still
    keeps the reader on a config page and a question page (rescore.site.sitemap writes the
    sitemap material's selector reads); a path the other version lacks lands on its home.
    Screenshot: build/test-output/screenshots/version-switch-config.png."""
    import functools
    import http.server
    import threading

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    out = tmp_path / "pub"
    assert build_site(warehouse, out=out, version="old", scoring_run=OLD) == 0
    assert build_site(warehouse, out=out, version="new", scoring_run=NEW) == 0
    sitemap = (out / "old" / "sitemap.xml").read_text()
    assert "/configs/draft_cfg0/</loc>" in sitemap and "/questions/" in sitemap
    question = sorted(
        str(p.parent.relative_to(out / "new")) + "/"
        for p in (out / "new" / "questions").rglob("index.html")
        if p.parent != out / "new" / "questions"
    )[0]
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(Quiet, directory=str(out))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    shots = PROJECT_ROOT / "build" / "test-output" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    landed = {}
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(chromium), args=["--headless", "--no-sandbox"]
            )
            for path in ("configs/draft_cfg0/", question, "no-such-page/"):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                start = f"{url}new/{path}" if path != "no-such-page/" else f"{url}new/"
                page.goto(start)
                page.wait_for_selector(".md-version__current")
                if path == "no-such-page/":  # a page old lacks: pretend we are on one
                    page.evaluate(
                        "p => history.replaceState(null, '', p)", f"/new/{path}#somewhere"
                    )
                page.locator(".md-version__link[href$='/old/']").dispatch_event("click")
                page.wait_for_url(f"{url}old/**", timeout=20_000)
                page.wait_for_load_state("load")
                landed[path] = page.url
                if path.startswith("configs/"):
                    page.screenshot(path=str(shots / "version-switch-config.png"))
                page.close()
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert landed["configs/draft_cfg0/"] == f"{url}old/configs/draft_cfg0/"
    assert landed[question] == f"{url}old/{question}"
    assert landed["no-such-page/"] == f"{url}old/"
    print(f"screenshot: {shots / 'version-switch-config.png'}")
