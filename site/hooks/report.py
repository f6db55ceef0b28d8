"""mkdocs hook: wire the generated site (`rescore.site`) into mkdocs' events (mkdocs 1.6).

No plugin is needed (mkdocs-gen-files 0.6 pulls in `properdocs`, which mike then runs instead
of mkdocs; see STYLE.md). All the work is in `rescore.site.build.generate_site`; this file only
reads the build's settings and hands mkdocs what it produced:

- on_config: read the settings (the JSON file named by RESCORE_SITE_SETTINGS, written by
  `rescore site`; without it, a plain `mkdocs build`/`serve` in the project folder uses its
  warehouse, or RESCORE_WAREHOUSE), generate every page in memory, set `nav`.
- on_files: add pages, chart specs, the vega bundle, downloads and dbt docs.
- on_page_content: put the HTML blocks in place of their markers after Markdown ran, so
  untrusted text never passes through the Markdown parser.
- on_post_build: write the static chart SVGs (rendered in a thread meanwhile), the dbt docs,
  and, without `site_url`, the sitemap the version switch needs (rescore.site.sitemap).
"""

from __future__ import annotations

import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.rescore")

_state: dict[str, Any] = {}


def on_startup(command: str, dirty: bool) -> None:
    """Remember who loads the config: mike runs every plugin's on_config just to read it."""
    _state["command"] = command


def _settings(config: MkDocsConfig):
    from rescore.site.settings import SETTINGS_ENV, SiteSettings

    path = os.environ.get(SETTINGS_ENV)
    if path:  # run by `rescore site`: never outlive it (mike runs mkdocs as a grandchild)
        from rescore.procs import die_with_parent_now

        die_with_parent_now()
        return SiteSettings.read(Path(path))
    root = Path(config.config_file_path or ".").resolve().parent
    return SiteSettings.defaults(root, os.environ.get("RESCORE_WAREHOUSE"))


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    if _state.get("command") == "mike":
        return config  # mike only reads the config here; its mkdocs build generates the site
    # Imported here: mike loads this file for every command, and altair is slow to import.
    from rescore.site import dbt_docs
    from rescore.site.build import generate_site, render_svgs

    settings = _settings(config)
    content = generate_site(settings, use_directory_urls=config.use_directory_urls)
    if content.problem:
        log.warning("rescore: %s", content.problem)
    else:
        timings = ", ".join(f"{k} {v:.1f}s" for k, v in content.timings.items())
        log.info("rescore: %d pages from %s (%s)", len(content.pages), settings.warehouse, timings)
    pool = ThreadPoolExecutor(max_workers=1)  # SVGs render while mkdocs renders the pages
    _state.update(
        content=content,
        blocks={p.src_uri: p.blocks for p in content.pages},
        svgs=pool.submit(render_svgs, content.charts),
        dbt_job=None,
        page_urls=[],
    )
    pool.shutdown(wait=False)
    if settings.dbt_docs_generate and not content.problem:
        from rescore import paths

        _state["dbt_job"] = dbt_docs.start(
            paths.dbt_dir(), settings.work_dir / "dbt-docs", settings.warehouse
        )
    config.nav = content.nav
    if not os.environ.get("MIKE_DOCS_VERSION"):
        # Not built by mike: there is no versions.json to fetch, so no version selector.
        config.extra.pop("version", None)
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    content = _state["content"]
    for page in content.pages:
        meta = (
            f"title: {json.dumps(page.title)}\n"  # JSON is YAML; titles are title_text()
            + ("search:\n  exclude: true\n" if page.search_exclude else "")
            + ("hide:\n  - toc\n" if page.hide_toc else "")
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
    for uri, text in content.text_files.items():
        files.append(File.generated(config, uri, content=text))
    for uri, path in content.path_files.items():
        files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    _state.setdefault("page_urls", []).append(page.url)  # for the sitemap without site_url
    blocks = _state.get("blocks", {}).get(page.file.src_uri)
    if not blocks:
        return html
    from rescore.site.page import BLOCK_MARKER

    return BLOCK_MARKER.sub(lambda m: blocks[int(m.group(1))], html)


def on_post_build(config: MkDocsConfig) -> None:
    from rescore.site import dbt_docs

    site = Path(config.site_dir)
    svgs = _state.get("svgs")
    if svgs is not None:
        charts = site / "assets" / "charts"
        charts.mkdir(parents=True, exist_ok=True)
        for name, svg in svgs.result().items():
            (charts / f"{name}.svg").write_text(svg, encoding="utf-8")
    if not config.site_url:  # mkdocs wrote an empty sitemap: the version switch needs one
        from rescore.site.sitemap import write_sitemap

        write_sitemap(site, _state.pop("page_urls", []))
    content = _state.get("content")
    if content is not None and content.dbt_docs_pending:
        problem = dbt_docs.finish(_state.get("dbt_job"), site)
        if problem:
            log.warning("rescore: %s", problem)
