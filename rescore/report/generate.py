"""Everything one site version needs, generated from the warehouse in one pass.

The mkdocs hook (`site/hooks/report.py`) calls :func:`generate_site` once per build and turns
the result into `File.generated` entries: pages (Markdown + HTML blocks), chart SVGs, the
vega-embed bundle, and files on disk (mart downloads written by DuckDB `COPY`, the dbt docs).
Keeping this in a normal package (not in `site/`, which would shadow the stdlib module
`site`) means tests can call it without mkdocs.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from rescore.report import charts as ch
from rescore.report import pages as pg
from rescore.report.data import MARTS, WarehouseMissing, load_report
from rescore.report.html import esc

VEGA_BUNDLE_URI = "assets/vendor/vega-bundle.js"
DBT_DOCS_FILES = ("index.html", "manifest.json", "catalog.json")


@dataclass
class SiteContent:
    """The generated part of the site: pages, navigation and extra files."""

    pages: list[pg.Page]
    nav: list[Any]
    text_files: dict[str, str | bytes] = field(default_factory=dict)
    path_files: dict[str, Path] = field(default_factory=dict)
    problem: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    charts: list[ch.Chart] = field(default_factory=list)  # static SVGs: see render_svgs
    dbt_docs_pending: bool = False  # link the dbt docs that the hook generates meanwhile


def vega_bundle(cache_dir: Path) -> str:
    """vl-convert's self-contained Vega + Vega-Lite + vega-embed bundle, cached on disk.

    Building it takes ~1.5 s, so it is kept per vl-convert version under `cache_dir`.
    """
    import vl_convert

    version = getattr(vl_convert, "__version__", "unknown")
    path = cache_dir / f"vega-bundle-{version}.js"
    if path.exists():
        return path.read_text(encoding="utf-8")
    bundle = vl_convert.javascript_bundle()
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(bundle, encoding="utf-8")
    tmp.replace(path)
    return bundle


def problem_site(message: str) -> SiteContent:
    """A one-page site that says what is missing and which command makes it."""
    page = pg.Page("index.md", "Overview")
    page.markdown = "# rescore report\n\n" + page.block(
        f'<div class="admonition failure"><p class="admonition-title">'
        f"No report to show</p><p>{esc(message)}</p></div>"
    )
    return SiteContent(pages=[page], nav=[{"Overview": "index.md"}], problem=message)


def export_marts(warehouse: Path, out_dir: Path) -> dict[str, dict[str, Any]]:
    """CSV and Parquet of every mart, written by DuckDB COPY; returns rows per mart."""
    out_dir.mkdir(parents=True, exist_ok=True)
    info: dict[str, dict[str, Any]] = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
                " order by 1"
            ).fetchall()
        ]
        for mart in tables:
            csv = out_dir / f"{mart}.csv"
            parquet = out_dir / f"{mart}.parquet"
            con.execute(f"copy (select * from marts.\"{mart}\") to '{csv}' (header, delimiter ',')")
            con.execute(f"copy (select * from marts.\"{mart}\") to '{parquet}' (format parquet)")
            rows = con.execute(f'select count(*) from marts."{mart}"').fetchall()[0][0]
            info[mart] = {"rows": rows, "csv": csv, "parquet": parquet}
    finally:
        con.close()
    return info


def acceleration(ctx: pg.Context, warehouse: Path) -> pg.Page | None:
    """The acceleration page (issue 6, `rescore.report.acceleration`), when that module is here.

    Its charts go through the same chart HTML as every other chart (local vega-embed, SVG).
    """
    try:
        from rescore.report.acceleration import acceleration_page, fill_charts
    except ImportError:
        return None
    page = pg.Page("acceleration.md", "Acceleration", hide_toc=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        markdown, specs = acceleration_page(con, ctx.data.scoring_run)
    finally:
        con.close()

    def render(name: str) -> str:
        spec = specs.get(name)
        if spec is None:
            return ""
        chart = ch.Chart(name=name, title=str(spec.get("description") or name), spec=spec)
        return page.block(pg.chart_html(ctx, page, chart))

    page.markdown = fill_charts(markdown, render)
    return page


def render_svgs(charts: list[ch.Chart]) -> dict[str, str]:
    """Static SVG (light palette, fixed width) of each chart, by chart name.

    vl-convert does its work outside the GIL, so the hook runs this in a thread while mkdocs
    renders the pages, and writes the files after the build (on_post_build).
    """
    import vl_convert

    return {c.name: vl_convert.vegalite_to_svg(c.static_spec_json()) for c in charts}


def generate_site(
    warehouse: Path,
    *,
    work_dir: Path,
    cache_dir: Path | None = None,
    scoring_run: str | None = None,
    version: str | None = None,
    use_directory_urls: bool = True,
    dbt_docs_dir: Path | None = None,
    dbt_docs_pending: bool = False,
) -> SiteContent:
    """Read the warehouse and produce every generated page and file of one site version."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    cache_dir = cache_dir or work_dir / "cache"
    try:
        data = load_report(Path(warehouse), scoring_run)
    except WarehouseMissing as exc:
        content = problem_site(str(exc))
        content.text_files[VEGA_BUNDLE_URI] = vega_bundle(cache_dir)
        return content
    timings["load"] = time.perf_counter() - t0

    t = time.perf_counter()
    downloads_dir = work_dir / "downloads"
    if downloads_dir.exists():
        shutil.rmtree(downloads_dir)
    downloads = export_marts(Path(warehouse), downloads_dir)
    timings["downloads"] = time.perf_counter() - t

    docs_ok = (
        not dbt_docs_pending
        and dbt_docs_dir is not None
        and all((dbt_docs_dir / f).exists() for f in DBT_DOCS_FILES)
    )
    ctx = pg.Context(
        data=data,
        version=version,
        use_directory_urls=use_directory_urls,
        dbt_docs=docs_ok or dbt_docs_pending,
        downloads=downloads,
    )
    t = time.perf_counter()
    pages = pg.build_pages(ctx)
    accel = acceleration(ctx, Path(warehouse))
    if accel is not None:
        at = next(i for i, p in enumerate(pages) if p.src_uri == "methodology.md")
        pages.insert(at, accel)
    timings["pages"] = time.perf_counter() - t

    content = SiteContent(
        pages=pages,
        nav=pg.nav(pages),
        timings=timings,
        charts=list(ctx.charts),
        dbt_docs_pending=dbt_docs_pending,
    )
    for chart in ctx.charts:
        content.text_files[f"assets/charts/{chart.name}.vl.json"] = chart.spec_json()
    content.text_files[VEGA_BUNDLE_URI] = vega_bundle(cache_dir)
    for mart, info in downloads.items():
        content.path_files[f"downloads/{mart}.csv"] = info["csv"]
        content.path_files[f"downloads/{mart}.parquet"] = info["parquet"]
    if docs_ok:
        for name in DBT_DOCS_FILES:
            content.path_files[f"dbt-docs/{name}"] = dbt_docs_dir / name
    timings["total"] = time.perf_counter() - t0
    return content


__all__ = ["MARTS", "SiteContent", "generate_site", "problem_site", "render_svgs", "vega_bundle"]
