"""`dbt docs generate` runs on the warehouse's schema mirror (`rescore.site.dbt_docs`): the
warehouse stays open to the site's readers meanwhile, and the docs are the ones dbt makes
from the warehouse itself.

Real dbt over the site fixture's marts (its build left a record, so dbt runs `--no-compile`
on the mirror), against dbt run on a copy of the warehouse itself (no record: it compiles).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from rescore import paths
from rescore.site import dbt_docs

pytestmark = pytest.mark.slow


def _catalog(target: Path) -> dict:
    data = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    return {"nodes": data["nodes"], "sources": data["sources"], "errors": data.get("errors")}


def test_docs_on_the_mirror_leave_the_warehouse_free_and_match(
    site_marts: Path, tmp_path: Path
) -> None:
    with duckdb.connect(str(site_marts), read_only=True) as con:
        mirror = dbt_docs.write_mirror(con, tmp_path / "mirror" / site_marts.name)
    job = dbt_docs.start(paths.dbt_dir(), tmp_path / "t1", site_marts, mirror)
    assert job is not None and job.on_mirror, "no build record: dbt did not use the mirror"
    reads = 0
    while job.process.poll() is None:  # the site's readers, while dbt runs (437ca8a's race)
        with duckdb.connect(str(site_marts), read_only=True) as con:
            assert con.execute("select count(*) from marts.responses").fetchone()[0] > 0
        reads += 1
    assert job.process.returncode == 0, job.log.read_text()
    assert reads > 0
    copy = tmp_path / "copy" / site_marts.name
    copy.parent.mkdir()
    shutil.copyfile(site_marts, copy)
    plain = dbt_docs.start(paths.dbt_dir(), tmp_path / "t2", copy)
    assert plain is not None and not plain.on_mirror
    assert plain.process.wait(timeout=600) == 0, plain.log.read_text()
    mirrored, direct = _catalog(tmp_path / "t1"), _catalog(tmp_path / "t2")
    assert mirrored["nodes"] and mirrored == direct
    site = tmp_path / "site"
    assert dbt_docs.finish(job, site) is None
    assert {p.name for p in (site / "dbt-docs").iterdir()} == set(dbt_docs.DOCS_FILES)


def test_the_mirror_has_the_schema_and_no_rows(site_marts: Path, tmp_path: Path) -> None:
    sql = (
        "select schema_name, table_name, column_name, data_type, column_index"
        " from duckdb_columns() where database_name = current_database() order by all"
    )
    with duckdb.connect(str(site_marts), read_only=True) as con:
        mirror = dbt_docs.write_mirror(con, tmp_path / site_marts.name)
        expected = con.execute(sql).fetchall()
    with duckdb.connect(str(mirror), read_only=True) as con:
        assert con.execute(sql).fetchall() == expected
        assert con.execute("select count(*) from marts.responses").fetchone()[0] == 0
    assert mirror.stat().st_size < site_marts.stat().st_size
