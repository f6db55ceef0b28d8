"""The streamed pages' keys (`rescore.site.stream.page_keys`): an unchanged config or question
is neither generated nor rendered, and what comes from the cache equals a fresh build.

Real `rescore site` builds (mkdocs, the hook, the page cache beside the warehouse) over a copy
of the site fixture's marts: built once, then one config's answers changed in
`marts.responses`, built again with the cache warm, and once more from a copy of the changed
warehouse at another path (so with an empty cache): the warm build must equal the fresh one
file for file, and only the changed config's pages and the question pages showing its
answers may differ from the first build.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from rescore.site.page import slugs
from rescore.site.pages.questions import question_uri
from rescore.site_builder import build_site

pytestmark = pytest.mark.slow
STREAMED = ("configs/", "questions/", "assets/compare/")


def _files(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file() and p.relative_to(site).as_posix().startswith(STREAMED)
    }


def _build(warehouse: Path, site: Path) -> str:
    """Build the site; what `rescore site` printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert build_site(warehouse, site_dir=site, force=True) == 0
    return out.getvalue()


@pytest.fixture(scope="module")
def builds(site_marts: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("keys")
    warehouse = folder / "w.duckdb"
    shutil.copyfile(site_marts, warehouse)
    _build(warehouse, folder / "a")
    with duckdb.connect(str(warehouse)) as con:
        run = con.execute("select max(scoring_run) from marts.leaderboard").fetchone()[0]
        config = con.execute(
            "select config from marts.responses where scoring_run = ? and in_suite"
            " and not is_speed_test order by config limit 1",
            [run],
        ).fetchone()[0]
        con.execute(
            "update marts.responses set reason = coalesce(reason, '') || ' (changed)'"
            " where scoring_run = ? and config = ?",
            [run, config],
        )
        questions = con.execute(
            "select distinct suite, question_id from marts.responses where scoring_run = ?"
            " and config = ? and in_suite and not is_speed_test",
            [run, config],
        ).fetchall()
        all_configs = [r[0] for r in con.execute("select config from raw.configs").fetchall()]
    printed = _build(warehouse, folder / "b")
    fresh = folder / "fresh" / "w.duckdb"
    fresh.parent.mkdir()
    shutil.copyfile(warehouse, fresh)
    _build(fresh, folder / "c")
    return folder, config, questions, all_configs, printed


def test_a_warm_build_equals_a_fresh_one(builds) -> None:
    folder, *_ = builds
    warm, fresh = _files(folder / "b"), _files(folder / "c")
    assert warm.keys() == fresh.keys()
    assert [f for f in warm if warm[f] != fresh[f]] == []


def test_only_the_changed_configs_pages_and_its_questions_change(builds) -> None:
    folder, config, questions, all_configs, _ = builds
    before, after = _files(folder / "a"), _files(folder / "b")
    assert before.keys() == after.keys()
    changed = {f for f in after if after[f] != before[f]}
    slug = slugs(set(all_configs) | {config})[config]
    mine = {f for f in changed if f.startswith((f"configs/{slug}/", f"configs/{slug}-part-"))}
    assert mine, "the changed config's page did not change"
    assert f"assets/compare/{slug}.json" in changed
    pages = {
        question_uri(None, s, q)[:-3] + "/index.html"  # type: ignore[arg-type]
        for s, q in questions
    }
    assert pages <= changed  # every question page showing its answers
    others = changed - mine - pages - {f"assets/compare/{slug}.json"}
    assert {f for f in others if "-part-" not in f} == set(), others


def test_the_warm_build_generated_only_what_changed(builds) -> None:
    folder, _config, questions, _all, printed = builds
    found = re.search(
        r"(\d+) rendered, \d+ unchanged \(page cache; (\d+) configs and questions not generated",
        printed,
    )
    assert found, printed
    rendered, not_generated = int(found.group(1)), int(found.group(2))
    before, after = _files(folder / "a"), _files(folder / "b")
    changed_pages = [f for f in after if f.endswith(".html") and after[f] != before[f]]
    assert rendered == len(changed_pages)
    # every config page (not All configs) and question page of the first build is one group
    # (its parts aside); all but the changed config and its questions came from the cache
    heads = [
        f
        for f in before
        if f.endswith("/index.html")
        and "-part-" not in f
        and not f.startswith(("configs/index", "questions/index.html"))
    ]
    assert not_generated == len(heads) - 1 - len(questions)


def _add_run(warehouse: Path, suffix: str) -> str:
    """Every answer of the first run again under a later run id (`<run><suffix>`)."""
    with duckdb.connect(str(warehouse)) as con:
        first = con.execute("select min(run_id) from marts.responses").fetchone()[0]
        con.execute(
            "insert into marts.responses select * replace (run_id || $2 as run_id,"
            " response_id || $2 as response_id) from marts.responses where run_id = $1",
            [first, suffix],
        )
    return f"{first}{suffix}"


@pytest.fixture(scope="module")
def runs_added(site_marts: Path, tmp_path_factory: pytest.TempPathFactory):
    """Built with one run, then with a second and a third added (cache warm), then the
    three-run warehouse from a copy at another path (cache empty)."""
    folder = tmp_path_factory.mktemp("runs")
    warehouse = folder / "w.duckdb"
    shutil.copyfile(site_marts, warehouse)
    _build(warehouse, folder / "one")
    with duckdb.connect(str(warehouse)) as con:
        run = con.execute("select max(scoring_run) from marts.leaderboard").fetchone()[0]
        first = con.execute("select min(run_id) from marts.responses").fetchone()[0]
        questions = con.execute(
            "select suite, question_id, count(*) from marts.responses where scoring_run = ?"
            " and in_suite and not is_speed_test group by all order by all",
            [run],
        ).fetchall()
    second = _add_run(warehouse, "z")
    _build(warehouse, folder / "two")
    third = _add_run(warehouse, "zz")
    printed = _build(warehouse, folder / "three")
    fresh = folder / "fresh" / "w.duckdb"
    fresh.parent.mkdir()
    shutil.copyfile(warehouse, fresh)
    _build(fresh, folder / "fresh-site")
    return folder, [first, second, third], questions, printed


def _run_page(suite: str, qid: str, run: str) -> str:
    return question_uri(None, suite, qid)[:-3] + f"--run-{run}/index.html"  # type: ignore[arg-type]


def test_a_question_page_shows_its_newest_run_and_links_each_earlier_one(runs_added) -> None:
    folder, runs, questions, _ = runs_added
    site = _files(folder / "three")
    for suite, qid, n in questions:
        main = site[question_uri(None, suite, qid)[:-3] + "/index.html"].decode()  # type: ignore[arg-type]
        assert f"{n} configs answered in run {runs[2]}, the newest of 3 runs" in main
        for run in runs[:2]:  # each earlier run: linked, its page links back
            assert f'--run-{run}/"' in main
            earlier = site[_run_page(suite, qid, run)].decode()
            assert f"{n} configs answered in run {run}," in earlier
            assert "the question&#x27;s page" in earlier or "the question's page" in earlier
    assert not [f for f in site if f"--run-{runs[2]}/" in f]  # the newest has no run page


def test_a_run_added_leaves_the_earlier_runs_question_pages_ungenerated(runs_added) -> None:
    folder, runs, questions, printed = runs_added
    two, three = _files(folder / "two"), _files(folder / "three")
    for suite, qid, _n in questions:  # the first run's page: the very same bytes
        assert three[_run_page(suite, qid, runs[0])] == two[_run_page(suite, qid, runs[0])]
        assert _run_page(suite, qid, runs[1]) not in two
    found = re.search(r"(\d+) configs and questions not generated", printed)
    # every config gained answers; of each question only its first run's page was kept
    assert found and int(found.group(1)) == len(questions), printed


def test_a_warm_build_with_runs_added_equals_a_fresh_one(runs_added) -> None:
    folder, *_ = runs_added
    warm, fresh = _files(folder / "three"), _files(folder / "fresh-site")
    assert warm.keys() == fresh.keys()
    assert [f for f in warm if warm[f] != fresh[f]] == []
