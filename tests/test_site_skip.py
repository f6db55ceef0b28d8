"""`rescore site` skips a version only when its marts, code, options and output are unchanged
(issue 13.1).

The fast tests check each skip rule on the decision itself (`rescore.site_state`) over a real
warehouse with a build record; the slow ones run the real mkdocs and mike builds.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from rescore import build_state, paths, site_state
from rescore.site_builder import build_site
from tests.site_marts import SyntheticSpec, write_raw

OPTIONS = {"version": "v", "run": "r", "created_at": None, "site_url": None}


@pytest.fixture(scope="module")
def recorded_template(tmp_path_factory) -> Path:
    """Raw rows plus the record a successful build leaves (the marts are not needed here)."""
    path = write_raw(tmp_path_factory.mktemp("raw") / "w.duckdb", SyntheticSpec(configs_per_role=1))
    con = duckdb.connect(str(path))
    inputs = build_state.build_inputs(con, paths.dbt_dir(), [])
    build_state.record(con, inputs, unit_tests_for=None)
    con.close()
    return path


@pytest.fixture
def wh(recorded_template, tmp_path) -> Path:
    return Path(shutil.copyfile(recorded_template, tmp_path / "w.duckdb"))


@pytest.fixture
def output(tmp_path) -> Path:
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("<p>report</p>")
    return out


def built(wh: Path, output: Path, options=OPTIONS) -> str | None:
    key = site_state.site_key(wh, options)
    site_state.remember(wh, output, None, key)
    return key


def test_same_marts_code_options_and_output_is_current(wh, output):
    key = built(wh, output)
    assert key is not None
    assert site_state.is_current(wh, output, None, site_state.site_key(wh, OPTIONS))


def test_a_new_build_record_makes_it_stale(wh, output):
    built(wh, output)
    con = duckdb.connect(str(wh))
    rid = con.execute("select response_id from raw.responses limit 1").fetchone()[0]
    con.execute(
        "insert into raw.judgments (scoring_run, response_id, judge, rubric_version, score,"
        " judged_at) values ('late', ?, 'rules-v1', 'v1', 2, ?)",
        [rid, datetime(2026, 2, 1)],
    )
    con.close()
    # raw changed, marts not rebuilt yet: the site reads raw itself, so it is stale already
    assert not site_state.is_current(wh, output, None, site_state.site_key(wh, OPTIONS))
    con = duckdb.connect(str(wh))
    build_state.record(con, build_state.build_inputs(con, paths.dbt_dir(), []), unit_tests_for=None)
    con.close()
    assert not site_state.is_current(wh, output, None, site_state.site_key(wh, OPTIONS))


def test_no_build_record_never_skips(wh, output):
    built(wh, output)
    con = duckdb.connect(str(wh))
    build_state.forget(con)  # what a failed, partial or `rescore dbt run` build leaves
    con.close()
    assert site_state.site_key(wh, OPTIONS) is None
    assert not site_state.is_current(wh, output, None, site_state.site_key(wh, OPTIONS))


@pytest.mark.parametrize(
    "change", [{"version": "w"}, {"run": "other"}, {"site_url": "https://e.org/"}]
)
def test_other_options_make_it_stale(wh, output, change):
    built(wh, output)
    key = site_state.site_key(wh, {**OPTIONS, **change})
    assert not site_state.is_current(wh, output, None, key)


def test_edited_site_code_makes_it_stale(wh, output, tmp_path, monkeypatch):
    code = tmp_path / "code"
    shutil.copytree(site_state.CODE_DIR, code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(site_state, "CODE_DIR", code)
    built(wh, output)
    page = code / "site" / "page.py"
    page.write_text(page.read_text() + "\n# edited\n")
    assert not site_state.is_current(wh, output, None, site_state.site_key(wh, OPTIONS))


def test_a_touched_or_missing_output_is_rebuilt(wh, output):
    built(wh, output)
    key = site_state.site_key(wh, OPTIONS)
    (output / "index.html").write_text("<p>edited by hand</p>")
    assert not site_state.is_current(wh, output, None, key)
    built(wh, output)
    (output / "index.html").unlink()
    assert not site_state.is_current(wh, output, None, key)


@pytest.mark.slow
def test_real_site_noop_then_force(site_marts, tmp_path, capsys):
    wh = Path(shutil.copyfile(site_marts, tmp_path / "w.duckdb"))
    site = tmp_path / "site"
    assert build_site(wh, site_dir=site) == 0
    first = (site / "index.html").stat().st_mtime_ns
    capsys.readouterr()
    assert build_site(wh, site_dir=site) == 0
    assert "up to date (nothing changed since" in capsys.readouterr().out
    assert (site / "index.html").stat().st_mtime_ns == first
    assert build_site(wh, site_dir=site, force=True) == 0
    assert (site / "index.html").stat().st_mtime_ns != first
    assert "up to date" not in capsys.readouterr().out


@pytest.mark.slow
def test_real_published_version_noop_and_a_second_version(site_marts, tmp_path, capsys):
    wh = Path(shutil.copyfile(site_marts, tmp_path / "w.duckdb"))
    out = tmp_path / "pub"
    assert build_site(wh, out=out, version="one") == 0
    capsys.readouterr()
    assert build_site(wh, out=out, version="one") == 0
    assert "up to date" in capsys.readouterr().out
    assert build_site(wh, out=out, version="two") == 0  # another version: built
    assert "up to date" not in capsys.readouterr().out
    assert (out / "two" / "index.html").is_file() and (out / "one" / "index.html").is_file()


def test_the_previous_site_is_moved_aside_and_deleted_beside_the_build(tmp_path):
    """The old site (and any folder a killed build left aside) goes while mkdocs builds: the
    target is free at once, and once the thread is joined nothing of the old pages is left."""
    from rescore.site_builder import _clear_in_background

    target = tmp_path / "site"
    (target / "configs" / "gone").mkdir(parents=True)
    (target / "configs" / "gone" / "index.html").write_text("<p>a removed config</p>")
    killed = tmp_path / ".site.old-1-2"
    (killed / "x").mkdir(parents=True)
    (tmp_path / "other").mkdir()  # not the site's: stays
    thread = _clear_in_background(target)
    assert thread is not None
    assert not target.exists()  # mkdocs builds into an empty folder
    thread.join()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other"]
    assert _clear_in_background(target) is None  # nothing there: nothing to do
