"""Question pages, config pages, the compare data, titles and sizes, on real marts.

The marts come from the session fixture `site_marts` (real dbt over synthetic raw rows, with a
config whose config and model names are markup); expected values come from SQL over them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from rescore.site.build import generate_site
from rescore.site.pages.configs import PAGE_BUDGET
from rescore.site.settings import SiteSettings
from rescore.site.toolkit import esc
from tests.site_marts import HOSTILE_MODEL

ROOT = Path(__file__).resolve().parents[1]
RUN = "2026-01-16-blind"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def content(site_marts: Path, tmp_path_factory: pytest.TempPathFactory):
    return generate_site(
        SiteSettings(
            warehouse=site_marts,
            work_dir=tmp_path_factory.mktemp("work"),
            cache_dir=ROOT / "build" / "cache",
        )
    ).in_memory()


def _sql(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _pages(content) -> dict[str, object]:
    return {p.src_uri: p for p in content.pages}


def test_one_question_page_per_suite_question(site_marts: Path, content) -> None:
    expected = _sql(
        site_marts,
        "select distinct suite, question_id from raw.responses"
        " where in_suite and not is_speed_test",
    )
    pages = [
        p for p in content.pages if p.src_uri.startswith("questions/") and "index" not in p.src_uri
    ]
    assert len(pages) == len(expected) > 0
    assert not any(p.in_nav for p in pages)
    assert "questions/index.md" in json.dumps(content.nav)


def test_question_page_shows_prompt_reference_and_every_config(site_marts: Path, content) -> None:
    suite, qid, prompt, reference = _sql(
        site_marts,
        "select suite, question_id, prompt, reference_answer from raw.questions order by 1, 2",
    )[0]
    page = _pages(content)[f"questions/{suite}/{qid.lower().replace('_', '-')}.md"]
    html = page.inline()
    assert esc(prompt) in html and esc(reference) in html
    answers = _sql(
        site_marts,
        "select r.config, j.score from raw.responses r left join raw.judgments j"
        " on j.response_id = r.response_id and j.scoring_run = ?"
        " where r.suite = ? and r.question_id = ?",
        [RUN, suite, qid],
    )
    rows = re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S)
    body = [r for r in rows if "<td" in r]
    assert len(body) == len(answers)
    for config, score in answers:
        row = next(r for r in body if f"<small>{esc(config)}</small>" in r)
        assert f'data-score="{"none" if score is None else score}"' in row
        assert "#r-" in row  # links to the response's permalink on its config page


def test_config_pages_have_permalinks_and_question_links(site_marts: Path, content) -> None:
    config = "draft_cfg1"
    page = _pages(content)[f"configs/{config}.md"]
    html = page.inline()
    ids = _sql(site_marts, "select response_id from raw.responses where config = ?", [config])
    for (rid,) in ids:
        assert f'id="r-{rid}"' in html and f'href="#r-{rid}"' in html
    assert "../../questions/" in html
    (model,) = _sql(site_marts, "select model from raw.configs where config = ?", [config])[0]
    assert page.title.startswith(model) and config in page.title  # titled by model


def test_compare_data_has_every_judged_answer(site_marts: Path, content) -> None:
    index = json.loads(content.text_files["assets/compare/index.json"])
    assert {c["config"] for c in index} >= {"draft_cfg0", "draft_cfg1"}
    slug = next(c["slug"] for c in index if c["config"] == "draft_cfg1")
    answers = json.loads(content.text_files[f"assets/compare/{slug}.json"])
    scores = _sql(
        site_marts,
        "select r.suite || ' / ' || r.question_id, j.score from raw.responses r"
        " left join raw.judgments j on j.response_id = r.response_id and j.scoring_run = ?"
        " where r.config = 'draft_cfg1' and r.in_suite and not r.is_speed_test",
        [RUN],
    )
    assert {k: v["score"] for k, v in answers.items()} == dict(scores)
    assert "compare/index.md" in _pages(content)


def test_hostile_names_are_inert_in_titles_and_pages(content) -> None:
    titles = [p.title for p in content.pages]
    assert not [t for t in titles if "<" in t or ">" in t or '"' in t]
    for page in content.pages:
        html = page.inline()
        assert "<script>window.__rescore_pwned" not in html, page.src_uri
        assert "<svg onload" not in html, page.src_uri
    nav = json.dumps(content.nav)
    assert "<script" not in nav and "<svg" not in nav
    assert any(esc(HOSTILE_MODEL) in p.inline() for p in content.pages)


def test_no_page_past_the_size_budget(content) -> None:
    for page in content.pages:
        assert len(page.inline()) < PAGE_BUDGET * 1.7, page.src_uri


def test_leaderboard_tables_carry_filter_data(content) -> None:
    html = _pages(content)["categories/draft.md"].inline()
    assert 'class="rescore-filters"' in html and "rescore-filterable" in html
    assert re.search(r'<tr data-[a-z]+="', html)


def test_config_pages_load_shared_prompts_from_one_file_per_suite(
    site_marts: Path, content
) -> None:
    """A question's prompt and reference are written once per suite (assets/questions/*.json)
    and a config page's blocks point at them; the question page shows them without script."""
    config = "draft_cfg1"
    html = _pages(content)[f"configs/{config}.md"].inline()
    lazy = re.findall(
        r'<details class="rescore-response rescore-lazy" data-search-exclude'
        r' data-src="([^"]+)" data-key="([^"]+)" data-field="(\w+)">',
        html,
    )
    assert lazy, "no on-demand prompt or reference on the config page"
    rows = _sql(
        site_marts,
        "select q.question_id, q.prompt from raw.responses r join raw.questions q"
        " using (suite, question_id) where r.config = ? and r.in_suite and not r.is_speed_test",
        [config],
    )
    for qid, prompt in rows:
        src = next(s for s, k, f in lazy if k == esc(qid) and f == "prompt")
        uri = "assets/" + src.split("assets/", 1)[1]
        texts = json.loads(content.text_files[uri])
        assert texts[qid]["prompt"] == prompt
        assert uri.startswith("assets/questions/")
    assert "<summary>Prompt</summary><pre>" not in html  # shared texts are not inline


def test_critical_issues_and_acceleration_columns_sort_by_value(content) -> None:
    """Every column the sort script treats as numbers has a number (or nothing) in each cell,
    and severity sorts by the mart's rank, not alphabetically."""
    for uri in ("critical-issues.md", "acceleration.md"):
        html = _pages(content)[uri].inline()
        tables = re.findall(r"<table data-sortable.*?</table>", html, flags=re.S)
        assert tables, uri
        for t in tables:
            heads = re.findall(r"<th [^>]*>", t)
            numeric = [i for i, h in enumerate(heads) if 'data-sort-type="number"' in h]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", t, flags=re.S)[1:]:
                cells = re.findall(r"<td([^>]*)>", row)
                for i in numeric:
                    m = re.search(r'data-sort="([^"]*)"', cells[i])
                    if m:
                        float(m.group(1))  # a number, not text like "x1.20" or "5.0%"
    critical = _pages(content)["critical-issues.md"].inline()
    head = re.findall(r"<th [^>]*>", critical)[0]
    assert 'data-sort-type="number"' in head  # the Severity column
    badge_cell = r'<tr><td data-sort="(\d+)" class="rescore-text"><span class="rescore-badge'
    ranks = re.findall(badge_cell, critical)
    assert ranks and ranks == sorted(ranks)


def test_the_plan_cuts_config_pages_as_the_pages_count(site_marts: Path, tmp_path: Path) -> None:
    """The parts the plan computes in SQL (every link to a response uses them) are the parts
    the page budget gives over the streamed rows, in Python."""
    from rescore.site import stream
    from rescore.site.pages.configs import chunk_numbers, text_size

    content = generate_site(
        SiteSettings(warehouse=site_marts, work_dir=tmp_path, cache_dir=ROOT / "build" / "cache")
    )
    ctx = content.ctx
    con = stream.connect(site_marts, tmp_path)
    try:
        seen = 0
        for config, group in stream._config_rows(ctx, con):
            rows = list(group)  # one pass only: the stream reads them as they are used
            sizes = [text_size(r) for r in rows]
            assert (config, sum(sizes)) in ctx.config_sizes
            parts = chunk_numbers(sizes, budget=PAGE_BUDGET)
            assert ctx.config_parts[config] == parts[-1]
            for r, part in zip(rows, parts, strict=True):
                assert ctx.response_part.get(str(r["response_id"]), 1) == part
            seen += len(rows)
    finally:
        con.close()
    assert seen == content.ctx.data.facts["responses"] > 0


def test_config_parts_are_made_one_at_a_time_from_the_stream(
    site_marts: Path, tmp_path: Path
) -> None:
    """A config's pages are made as its rows stream by: the first part's page comes out
    before the second part's rows are read (one part in memory, not the config's history),
    every row lands on the part the plan gave it, and the compare JSON gathered on the way
    equals the one made from all the rows at once."""
    from rescore.site import stream
    from rescore.site.pages.compare import compare_file

    content = generate_site(
        SiteSettings(warehouse=site_marts, work_dir=tmp_path, cache_dir=ROOT / "build" / "cache")
    )
    ctx = content.ctx
    con = stream.connect(site_marts, tmp_path)
    try:
        config, rows = next(
            (c, list(g)) for c, g in stream._config_rows(ctx, con) if c in ctx.slugs
        )
    finally:
        con.close()
    assert len(rows) >= 4
    half = len(rows) // 2
    ctx.config_parts[config] = 2  # as the plan cuts a config over the page budget
    for r in rows[half:]:
        ctx.response_part[str(r["response_id"])] = 2
    read: list[int] = []

    def reading():
        for r in rows:
            read.append(1)
            yield r

    made = []
    for item in stream._config_items(ctx, config, reading()):
        made.append((item, len(read)))
    pages = [(i, n) for i, n in made if hasattr(i, "markdown")]
    assert [p.src_uri for p, _ in pages] == [
        ctx.config_part_uri(config, 1),
        ctx.config_part_uri(config, 2),
    ]
    assert pages[0][1] <= half + 1 < len(rows)  # part 1 made before part 2 was read
    for r in rows:
        anchor = str(r.get("anchor") or f"r-{r['response_id']}")
        on = [p.src_uri for p, _ in pages if anchor in p.inline()]
        assert on == [ctx.config_part_uri(config, 1 if r in rows[:half] else 2)], anchor
    compare = made[-1][0]
    assert (compare.uri, compare.text) == compare_file(ctx, config, rows)


def test_spooled_slices_equal_one_query_per_slice(
    site_marts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With many slices the rows are read once into one Arrow file per slice (in the scratch
    folder) and each slice sorted from its file: the config and question rows, their order
    and every value equal those of one query per slice, and the files are gone afterwards."""
    from rescore.site import stream

    ctx = generate_site(
        SiteSettings(warehouse=site_marts, work_dir=tmp_path, cache_dir=ROOT / "build" / "cache")
    ).ctx
    # small slices: a few configs (questions) each, so both paths cut many slices
    monkeypatch.setattr(stream, "SLICE_CHARS", max(n for _, n in ctx.config_sizes) * 3)
    monkeypatch.setattr(stream, "SLICE_ROWS", 40)
    monkeypatch.setattr(stream, "READ_ROWS", 7)  # batches end inside a config's rows

    spools: list[int] = []
    real_spool = stream._spool

    def counted_spool(con, joined, params, n, order):
        spools.append(n)
        yield from real_spool(con, joined, params, n, order)

    monkeypatch.setattr(stream, "_spool", counted_spool)

    def read(min_slices: int) -> tuple[list, list]:
        monkeypatch.setattr(stream, "SPOOL_MIN_SLICES", min_slices)
        con = stream.connect(site_marts, tmp_path)
        try:
            configs = [(c, list(g)) for c, g in stream._config_rows(ctx, con)]
            questions = [(q, list(g)) for q, g in stream._question_rows(ctx, con)]
        finally:
            con.close()
        return configs, questions

    direct = read(10**9)
    assert spools == []
    spooled = read(1)
    assert len(spools) == 2 and min(spools) > 3  # configs and questions, many slices each
    assert len(direct[0]) == len(ctx.config_sizes) > 3
    assert sum(len(rows) for _, rows in direct[1]) > 3 * 40
    assert spooled == direct
    assert [c for c, _ in spooled[0]] == sorted(c for c, _ in spooled[0])
    assert not list((tmp_path / "duckdb-tmp").glob("rescore-spool-*"))


def test_link_cache_holds_one_page_only(site_marts: Path, tmp_path: Path) -> None:
    """Links are cached for the page being made, not for the whole site (a site-wide cache
    grew with every link of every streamed page): after links from two pages, only the
    second page's are held, and every href is the one computed from scratch."""
    from rescore.site.page import Page
    from rescore.site.toolkit import relative

    ctx = generate_site(
        SiteSettings(warehouse=site_marts, work_dir=tmp_path, cache_dir=ROOT / "build" / "cache")
    ).ctx
    targets = [ctx.config_uri(c) for c in sorted(ctx.slugs)[:5]]
    for uri in ("questions/a/b.md", "configs/x-part-2.md"):
        page = Page(uri, "t")
        for to in targets + targets:
            assert ctx.href(page, to) == relative(uri, to, ctx.use_directory_urls, is_page=True)
    held_for, cache = ctx.href_cache
    assert held_for == "configs/x-part-2.md"
    assert set(cache) == {(t, True) for t in targets}


def _config_with_rows(site_marts: Path, tmp_path: Path, n: int) -> tuple[Any, str, list[dict]]:
    """The site's context, and the first config with at least `n` streamed rows and those rows."""
    from rescore.site import stream

    ctx = generate_site(
        SiteSettings(warehouse=site_marts, work_dir=tmp_path, cache_dir=ROOT / "build" / "cache")
    ).ctx
    con = stream.connect(site_marts, tmp_path)
    try:
        groups = ((c, list(g)) for c, g in stream._config_rows(ctx, con) if c in ctx.slugs)
        config, rows = next((c, g) for c, g in groups if len(g) >= n)
        groups.close()
    finally:
        con.close()
    return ctx, config, rows


def test_a_new_part_leaves_the_earlier_parts_of_a_config_unchanged(
    site_marts: Path, tmp_path: Path
) -> None:
    """A later run's answers fill a config's last part and new parts after it (runs sort in
    time): the parts before the old last one must come out identical, so the page cache
    reuses them instead of rendering every part of the config again. The old last part
    gains a link to the next one; the first part lists them all."""
    from rescore.site.pages.configs import config_pages

    ctx, config, rows = _config_with_rows(site_marts, tmp_path, 8)

    def pages(n_rows: int) -> list:
        part_of = [1 + i // 2 for i in range(n_rows)]  # two responses a part
        ctx.config_parts[config] = part_of[-1]
        for r, part in zip(rows, part_of, strict=False):
            ctx.response_part[str(r["response_id"])] = part
        return [(p.src_uri, p.title, p.inline()) for p in config_pages(ctx, config, rows[:n_rows])]

    before, after = pages(6), pages(8)  # 3 parts, then a run adds a 4th
    assert len(before) == 3 and len(after) == 4
    assert before[1] == after[1]  # part 2: neither its rows nor its links changed
    assert before[2] != after[2]  # the old last part now links to the new one
    assert ctx.config_part_uri(config, 4).removesuffix(".md").split("/")[-1] in after[2][2]
    assert before[0] != after[0]  # part 1 lists every part


def test_a_cached_part_is_not_built_and_its_rows_stay_off_the_other_parts(
    site_marts: Path, tmp_path: Path
) -> None:
    """A config part whose output is cached comes out as a `CachedPart` (no page built from
    its rows); the other parts are built, carry their part keys, and the compare JSON still
    sees every row."""
    from rescore.site import stream
    from rescore.site.pages.compare import compare_file

    ctx, config, rows = _config_with_rows(site_marts, tmp_path, 6)
    ctx.config_parts[config] = 3
    for i, r in enumerate(rows):
        ctx.response_part[str(r["response_id"])] = 1 + 3 * i // len(rows)
    for part in (1, 2, 3):
        ctx.page_keys[("config-part", config, str(part))] = f"key-{part}"
    asked: list[int] = []

    def cached(part: int) -> stream.CachedPart | None:
        asked.append(part)
        return stream.CachedPart("key-2") if part == 2 else None

    items = list(stream._config_items(ctx, config, iter(rows), cached))
    assert asked == [1, 2, 3]
    pages = [i for i in items if hasattr(i, "markdown")]
    assert [p.part_key for p in pages] == ["key-1", "key-3"]
    assert stream.CachedPart("key-2") in items
    text = "".join(p.inline() for p in pages)
    for i, r in enumerate(rows):
        anchor = str(r.get("anchor") or f"r-{r['response_id']}")
        assert (f'id="{anchor}"' in text) == (1 + 3 * i // len(rows) != 2), anchor
    compare = items[-1]
    assert (compare.uri, compare.text) == compare_file(ctx, config, rows)


def test_the_rows_of_cached_parts_stay_unread_but_the_compare_answers(
    site_marts: Path, tmp_path: Path
) -> None:
    """A changed config's rows in cached parts are not read, except each question's last
    answer, which the compare view shows: the rows that come are exactly the others plus
    those, in page order, and the compare JSON made from them equals the one made from every
    row. One config answered in two runs, so an earlier answer to a question is superseded."""
    from rescore.site import stream
    from rescore.site.pages.compare import compare_file

    ctx, config, _ = _config_with_rows(site_marts, tmp_path, 6)
    two_runs = tmp_path / "two-runs.duckdb"
    con = duckdb.connect(str(two_runs))
    con.execute(f"attach '{site_marts}' as src (read_only)")
    con.execute("create schema marts")
    con.execute(
        "create table marts.responses as select * from src.marts.responses where config = $1"
        " union all select * replace (run_id || 'z' as run_id, response_id || 'z' as"
        " response_id) from src.marts.responses where config = $1",
        [config],
    )
    con.close()
    ctx.config_sizes = [(config, 1)]

    def read(unread: list[str] | None) -> list[dict]:
        con = stream.connect(two_runs, tmp_path)
        try:
            return [r for c, g in stream._config_rows(ctx, con, frozenset(), unread) for r in g]
        finally:
            con.close()

    every = read(None)
    ids = [str(r["response_id"]) for r in every]
    last: dict[tuple, str] = {}  # each question's last answer in page order
    for r in every:
        if r.get("in_suite") and not r.get("is_speed_test"):
            last[(r["suite"], r["question_id"])] = str(r["response_id"])
    half = len(ids) // 2  # the first run's rows, then the second's
    unread = ids[1 : half // 2] + ids[half : half + half // 2]
    shown = set(last.values())
    assert set(unread) - shown and set(unread) & shown  # some superseded, some shown
    got = read(unread)
    assert [str(r["response_id"]) for r in got] == [i for i in ids if i not in unread or i in shown]
    assert compare_file(ctx, config, got) == compare_file(ctx, config, every)
