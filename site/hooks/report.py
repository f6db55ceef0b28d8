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
- on_post_page: keep the HTML of the skeleton pages (rescore.site.render).
- on_post_build: write the config and question pages, streamed one at a time from the
  warehouse into their skeletons (outside mkdocs: rescore.site.stream, rescore.site.render),
  and the per-run Acceleration pages, made in memory, into theirs (`Page.from_skeleton`),
  the static chart SVGs (rendered in a thread meanwhile), the dbt docs, and the sitemap the
  version switch needs, listing the streamed pages too (rescore.site.sitemap).
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
        generated={p.src_uri: p for p in content.pages},  # taken in on_page_content
        svgs=pool.submit(render_svgs, content.charts, settings.svg_cache_dir),
        dbt_job=None,
        page_urls=[],
        skeletons={},
        page_cache=settings.page_cache_dir,
    )
    pool.shutdown(wait=False)
    if settings.dbt_docs_generate and not content.problem:
        from rescore import paths

        _state["dbt_job"] = dbt_docs.start(
            paths.dbt_dir(),
            settings.dbt_docs_home / "target"
            if content.dbt_mirror
            else settings.work_dir / "dbt-docs",
            settings.warehouse,
            content.dbt_mirror,
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
            + (
                f"search:\n  boost: {page.search_boost:g}\n"
                if page.search_boost and not page.search_exclude
                else ""
            )
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
    from rescore.site.render import END, START, is_skeleton

    generated = _state.get("generated", {}).pop(page.file.src_uri, None)
    blocks = generated.blocks if generated is not None else None
    _release_source(page, generated)
    if is_skeleton(page.file.src_uri):  # filled per streamed page in on_post_build
        return START + html + END
    _state.setdefault("page_urls", []).append(page.url)  # for the sitemap
    if not blocks:
        return html
    from rescore.site.page import BLOCK_MARKER

    return BLOCK_MARKER.sub(lambda m: blocks[int(m.group(1))], html)


def _release_source(page: Page, generated: Any) -> None:
    """Let go of a page's Markdown once mkdocs has made its HTML.

    mkdocs reads every page before it writes any, and keeps each page's source three times
    over (our generated page, the generated File's content, `page.markdown`) beside its HTML
    until the build ends, and the pages of the leaderboard, acceleration and avoid list grow
    with the configs. Only the HTML is used from here on (templates, search index), so the
    sources go now.
    """
    if generated is not None:
        generated.markdown = ""
        generated.blocks = []
    if page.file.generated_by:
        page.file.content_string = ""
    page.markdown = ""


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    from rescore.site.render import is_skeleton

    if is_skeleton(page.file.src_uri):
        _state.setdefault("skeletons", {})[page.file.src_uri] = output
    # written once this returns, and the search entry is made: the HTML is not needed again,
    # and the streamed pages come after every page (on_post_build)
    page.content = None
    return output


def _write_streamed(config: MkDocsConfig, site: Path) -> list[str]:
    """The config and question pages (and compare JSON), one at a time into the site."""
    import markdown

    from rescore.site.render import Renderer

    content = _state.get("content")
    skeletons = _state.get("skeletons") or {}
    if content is None or content.ctx is None or not skeletons:
        return []
    renderer = Renderer(
        site=site,
        skeletons=skeletons,
        markdown=markdown.Markdown(
            extensions=config.markdown_extensions, extension_configs=config.mdx_configs
        ),
        use_directory_urls=config.use_directory_urls,
        cache_dir=_state.get("page_cache"),
        code_key=_code_key(config),
    )
    cached = renderer.has_group if renderer.cache_dir is not None else None
    for page in content.skeleton_filled:  # made in memory, rendered (or linked) here
        renderer.write_page(page)
        page.markdown, page.blocks = "", []
    content.skeleton_filled = []
    for group in content.stream_groups(cached):
        if group.reused:  # its key was cached: not generated, its files linked
            renderer.reuse_group(group.key)
        else:
            renderer.write_group(group.key, group.items)
    renderer.remove_skeletons()
    renderer.prune()
    stats = {
        "rendered": renderer.rendered,
        "reused": renderer.reused,
        "not_generated": renderer.groups_reused,
    }
    log.info("rescore: streamed pages %s", stats)
    if content.work_dir is not None:  # `rescore site` prints it
        (content.work_dir / "streamed.json").write_text(json.dumps(stats), encoding="utf-8")
    return renderer.urls


def _code_key(config: MkDocsConfig) -> str:
    """What a streamed page's HTML depends on besides its skeleton and source: the site
    code and the Markdown extensions (versions and options)."""
    import hashlib
    from importlib.metadata import version

    from rescore import build_state
    from rescore.site import render

    inputs = {
        "code": build_state.tree_hash(Path(render.__file__).parent, suffixes={".py"}),
        "markdown": [version("markdown"), version("pymdown-extensions")],
        "extensions": [str(e) for e in config.markdown_extensions],
        "mdx": json.dumps(config.mdx_configs, sort_keys=True, default=str),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def _finish_dbt_docs(job: Any, site: Path) -> None:
    from rescore.site import dbt_docs

    problem = dbt_docs.finish(job, site)
    if problem:
        log.warning("rescore: %s", problem)


def on_post_build(config: MkDocsConfig) -> None:
    site = Path(config.site_dir)
    content = _state.get("content")
    job = _state.get("dbt_job")
    pending = content is not None and content.dbt_docs_pending
    # `dbt docs generate` holds its database's write lock while it runs, and the streamed
    # pages read the warehouse: on the schema mirror (rescore.site.dbt_docs) dbt leaves the
    # warehouse free, so they do not wait; on the warehouse itself (no build record: dbt
    # compiles) they wait for it (437ca8a: on a loaded machine dbt outlasted mkdocs' own
    # pages and the read-only connect failed on the lock)
    if pending and not (job is not None and job.on_mirror):
        _finish_dbt_docs(job, site)
        pending = False
    streamed = _write_streamed(config, site)
    if pending:
        _finish_dbt_docs(job, site)
    svgs = _state.get("svgs")
    if svgs is not None:
        charts = site / "assets" / "charts"
        charts.mkdir(parents=True, exist_ok=True)
        for name, svg in svgs.result().items():
            (charts / f"{name}.svg").write_text(svg, encoding="utf-8")
    if streamed or not config.site_url:
        # without site_url mkdocs wrote an empty sitemap, and its own never lists the streamed
        # pages: the version switch needs them all
        from rescore.site.sitemap import PLACEHOLDER_ORIGIN, write_sitemap

        origin = config.site_url or PLACEHOLDER_ORIGIN
        write_sitemap(site, _state.pop("page_urls", []) + streamed, origin)
