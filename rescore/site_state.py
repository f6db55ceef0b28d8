"""When a site version is already built from the same marts with the same code and options.

A site version is a function of the marts (themselves a function of the build fingerprint
`meta.dbt_builds` records, see `rescore.build_state`), the raw tables the site reads itself,
the site code (the `rescore` package, `site/`, `mkdocs.yml`), the tools' versions and the
options (version, scoring run, URL, output folder). `rescore site` writes a stamp of those
after a successful build, with the size and mtime of the output's `index.html`, and skips the
next build only when the key matches and that very file is still there: a deleted, replaced or
hand-edited output is rebuilt. Without a build record (never built, a failed or `--select`
build, `rescore dbt run`) nothing is skipped.

The stamps live beside the warehouse (`.<name>.dbt/site/`), never in the output folder, which
is published as is.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb

from rescore import build_state, paths
from rescore.publish import read_versions

CODE_DIR = Path(__file__).resolve().parent  # the rescore package: the hook and pages live here
_TOOLS = ("mkdocs", "mkdocs-material", "mike", "vl-convert-python", "altair", "duckdb")


def site_key(warehouse: Path, options: dict) -> str | None:
    """The key of a site build of this warehouse with `options`; None when the marts have no
    build record (then nothing may be skipped)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        built = build_state.last_recorded(con)
        if built is None:
            return None
        raw = build_state.raw_fingerprint(con)
    finally:
        con.close()
    root = paths.project_root()
    inputs = {
        "build": built["fingerprint"],
        "raw": raw,
        "code": build_state.tree_hash(CODE_DIR, suffixes={".py"}),
        "site": build_state.tree_hash(root / "site", skip_dirs={"__pycache__"}),
        "mkdocs": hashlib.sha256(paths.mkdocs_config().read_bytes()).hexdigest(),
        "tools": build_state._versions(*_TOOLS),
        "options": options,
    }
    return build_state.digest(inputs)


def output_index(target: Path, version: str | None) -> Path:
    """The file whose presence says the output exists: plain `index.html`, or the version's."""
    return target / version / "index.html" if version else target / "index.html"


def _stamp_path(warehouse: Path, target: Path, version: str | None) -> Path:
    from rescore.dbt_runner import state_dir

    name = hashlib.sha256(f"{target.resolve()}\0{version or ''}".encode()).hexdigest()[:24]
    return state_dir(warehouse) / "site" / f"{name}.json"


def _file_id(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def is_current(warehouse: Path, target: Path, version: str | None, key: str | None) -> str | None:
    """When the output was built with `key` and is still there: the time it was; else None."""
    if key is None:
        return None
    try:
        stamp = json.loads(_stamp_path(warehouse, target, version).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stamp.get("key") != key or stamp.get("index") != _file_id(output_index(target, version)):
        return None
    if version and version not in {v.get("version") for v in read_versions(target)}:
        return None
    return stamp.get("built_at")


def remember(warehouse: Path, target: Path, version: str | None, key: str | None) -> None:
    """Record a successful build of `key` into `target` (nothing when key is None)."""
    from datetime import UTC, datetime

    path = _stamp_path(warehouse, target, version)
    if key is None:
        path.unlink(missing_ok=True)
        return
    index = _file_id(output_index(target, version))
    stamp = {"key": key, "index": index, "built_at": f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S}"}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(stamp), encoding="utf-8")
    os.replace(tmp, path)


def page_cache_dir(warehouse: Path) -> Path:
    """Where rendered config and question pages are kept by key (`rescore.site.render`), beside
    the stamps: a page whose skeleton, source and code are unchanged is linked, not rendered."""
    from rescore.dbt_runner import state_dir

    return state_dir(warehouse) / "site" / "pages"


def svg_cache_dir(warehouse: Path) -> Path:
    """Where the static chart SVGs are kept by spec (`rescore.site.build.render_svgs`), beside
    the page cache: an unchanged chart is not drawn again."""
    from rescore.dbt_runner import state_dir

    return state_dir(warehouse) / "site" / "svgs"


def dbt_docs_state_dir(warehouse: Path) -> Path:
    """Where the site's `dbt docs generate` keeps the warehouse's schema mirror and its target
    (`rescore.site.dbt_docs`): kept between builds, dbt's partial parse of the mirror holds."""
    from rescore.dbt_runner import state_dir

    return state_dir(warehouse) / "site" / "dbt-docs"


def forget(warehouse: Path, target: Path, version: str | None) -> None:
    _stamp_path(warehouse, target, version).unlink(missing_ok=True)
