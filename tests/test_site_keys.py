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
