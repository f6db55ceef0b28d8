"""mkdocs hook: generate the report pages from the warehouse at build time (mkdocs 1.6).

No plugin is needed (mkdocs-gen-files 0.6 pulls in `properdocs`, which mike then runs instead
of mkdocs; see STYLE.md). The work happens in `rescore.report`; this file only wires it into
mkdocs events:

- on_config: read the warehouse (RESCORE_WAREHOUSE or <project>/warehouse/rescore.duckdb),
  build every page in memory, set `nav` (config pages stay out of it).
- on_files: add pages, chart SVGs, the vega-embed bundle, downloads and dbt docs with
  `File.generated`.
- on_page_content: put the HTML blocks in place of their markers, after Markdown ran, so
  untrusted text never passes through the Markdown parser.

- on_post_build: write the charts' static SVGs (rendered by vl-convert in a thread while
  mkdocs rendered the pages) and, when asked, the freshly generated dbt docs.

Environment: RESCORE_WAREHOUSE, RESCORE_SCORING_RUN (default: the newest scoring run),
RESCORE_SITE_VERSION (shown on the overview), RESCORE_SITE_WORK (scratch folder, default
<project>/build/site-work), RESCORE_DBT_DOCS (folder holding dbt's index.html, manifest.json
and catalog.json; default <project>/dbt/target), RESCORE_DBT_DOCS_GENERATE=1 (run
`dbt docs generate` during the build instead; `rescore site` sets it).
"""

from __future__ import annotations

import logging
import os
import re
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

if TYPE_CHECKING:
    from rescore.report.generate import SiteContent

log = logging.getLogger("mkdocs.hooks.rescore")
MARKER = re.compile(r"(?:<p>)?<!--rescore-block-(\d+)-->(?:</p>)?")

_content: SiteContent | None = None
_blocks: dict[str, list[str]] = {}
_svgs: Future[dict[str, str]] | None = None
_dbt_job = None
_command: str | None = None


def on_startup(command: str, dirty: bool) -> None:
    """Remember who loads the config: mike runs every plugin's on_config just to read it."""
    global _command
    _command = command


def _project_root(config: MkDocsConfig) -> Path:
    """The project folder (RESCORE_PROJECT_ROOT when mike builds from a derived config)."""
    env = os.environ.get("RESCORE_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    return Path(config.config_file_path or ".").resolve().parent


def _warehouse(root: Path) -> Path:
    env = os.environ.get("RESCORE_WAREHOUSE")
    if env:
        return Path(env).resolve()
    return root / "warehouse" / "rescore.duckdb"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    global _content, _blocks, _svgs, _dbt_job
    if _command == "mike":
        return config  # mike only reads the config here; its mkdocs build generates the site
    # Imported here: mike loads this file for every command, and altair is slow to import.
    from rescore.report import dbt_docs
    from rescore.report.generate import generate_site, render_svgs

    root = _project_root(config)
    work = Path(os.environ.get("RESCORE_SITE_WORK") or root / "build" / "site-work")
    docs = Path(os.environ.get("RESCORE_DBT_DOCS") or root / "dbt" / "target")
    warehouse = _warehouse(root)
    generate_docs = os.environ.get("RESCORE_DBT_DOCS_GENERATE") == "1" and warehouse.exists()
    _content = generate_site(
        warehouse,
        work_dir=work,
        cache_dir=Path(os.environ.get("RESCORE_SITE_CACHE") or root / "build" / "cache"),
        scoring_run=os.environ.get("RESCORE_SCORING_RUN") or None,
        version=os.environ.get("RESCORE_SITE_VERSION") or None,
        use_directory_urls=config.use_directory_urls,
        dbt_docs_dir=docs,
        dbt_docs_pending=generate_docs,
    )
    if _content.problem:
        log.warning("rescore: %s", _content.problem)
    else:
        log.info(
            "rescore: %d pages from %s (%s)",
            len(_content.pages),
            warehouse,
            ", ".join(f"{k} {v:.1f}s" for k, v in _content.timings.items()),
        )
    _blocks = {p.src_uri: p.blocks for p in _content.pages}
    # Both run while mkdocs renders pages; on_post_build collects them.
    pool = ThreadPoolExecutor(max_workers=1)
    _svgs = pool.submit(render_svgs, _content.charts)
    pool.shutdown(wait=False)
    _dbt_job = None
    if generate_docs and not _content.problem:
        _dbt_job = dbt_docs.start(root / "dbt", work / "dbt-docs", warehouse)
    config.nav = _content.nav
    if not os.environ.get("MIKE_DOCS_VERSION"):
        # Not built by mike: there is no versions.json to fetch, so no version selector.
        config.extra.pop("version", None)
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    assert _content is not None, "on_config runs first"
    for page in _content.pages:
        meta = ("search:\n  exclude: true\n" if page.search_exclude else "") + (
            "hide:\n  - toc\n" if page.hide_toc else ""
        )
        front = f"---\n{meta}---\n" if meta else ""
        files.append(
            File.generated(
                config,
                page.src_uri,
                content=front + page.markdown,
                inclusion=InclusionLevel.UNDEFINED if page.in_nav else InclusionLevel.NOT_IN_NAV,
            )
        )
    for uri, text in _content.text_files.items():
        files.append(File.generated(config, uri, content=text))
    for uri, path in _content.path_files.items():
        files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    blocks = _blocks.get(page.file.src_uri)
    if not blocks:
        return html
    return MARKER.sub(lambda m: blocks[int(m.group(1))], html)


def on_post_build(config: MkDocsConfig) -> None:
    from rescore.report import dbt_docs

    site = Path(config.site_dir)
    if _svgs is not None:
        charts = site / "assets" / "charts"
        charts.mkdir(parents=True, exist_ok=True)
        for name, svg in _svgs.result().items():
            (charts / f"{name}.svg").write_text(svg, encoding="utf-8")
    if _content is not None and _content.dbt_docs_pending:
        problem = dbt_docs.finish(_dbt_job, site)
        if problem:
            log.warning("rescore: %s", problem)
