"""Everything one site version needs, generated from the warehouse in one pass.

The mkdocs hook (`site/hooks/report.py`) calls :func:`generate_site` once per build with the
build's :class:`~rescore.site.settings.SiteSettings` and turns the result into
`File.generated` entries: pages (Markdown + HTML blocks), chart SVGs, the vega-embed bundle,
and files on disk (mart downloads written by DuckDB `COPY`, the dbt docs). The warehouse is
opened once, read-only, for the whole build; the scoring run is the one the settings name
(the builder resolved it), else the newest.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from rescore.site import charts as ch
from rescore.site import pages as pg
from rescore.site import stream
from rescore.site.data import WarehouseMissing, load_report
from rescore.site.page import Context, Page
from rescore.site.pages.configs import question_text_files
from rescore.site.render import CACHE_DAYS, has_skeleton, prune_unused, write_atomic
from rescore.site.settings import SiteSettings
from rescore.site.sql import sql_ident, sql_literal
from rescore.site.stream import Group, TextFile
from rescore.site.toolkit import esc

VEGA_BUNDLE_URI = "assets/vendor/vega-bundle.js"
DBT_DOCS_FILES = ("index.html", "manifest.json", "catalog.json")


@dataclass
class SiteContent:
    """The generated part of the site: pages, navigation and extra files."""

    pages: list[Page]
    nav: list[Any]
    text_files: dict[str, str | bytes] = field(default_factory=dict)
    path_files: dict[str, Path] = field(default_factory=dict)
    problem: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    charts: list[ch.Chart] = field(default_factory=list)  # static SVGs: see render_svgs
    dbt_docs_pending: bool = False  # link the dbt docs that the hook generates meanwhile
    ctx: Context | None = None  # what the streamed pages need (rescore.site.stream)
    warehouse: Path | None = None
    work_dir: Path | None = None
    dbt_mirror: Path | None = None  # the warehouse's schema for `dbt docs generate` (dbt_docs)
    # pages made here but written by the renderer from their skeletons, not by mkdocs
    # (`Page.from_skeleton`: the per-run Acceleration pages), each kept in the page cache
    skeleton_filled: list[Page] = field(default_factory=list)

    def streamed(self) -> Iterator[Page | TextFile]:
        """The config and question pages and the compare JSON, one at a time, from the
        warehouse (a connection of their own, open while they are read)."""
        for group in self.stream_groups():
            yield from group.items

    def stream_groups(self, cached: Callable[[str], bool] | None = None) -> Iterator[Group]:
        """The streamed outputs one config or question at a time (`stream.groups`): those
        whose key `cached` holds come back empty, neither read nor generated."""
        if self.ctx is None or self.warehouse is None or self.work_dir is None:
            return
        ctx = self.ctx
        con = stream.connect(self.warehouse, self.work_dir)
        try:
            for group in stream.groups(ctx, con, cached):
                items = (pg.finish(ctx, i) if isinstance(i, Page) else i for i in group.items)
                yield Group(group.key, items, group.reused)
        finally:
            con.close()

    def in_memory(self) -> SiteContent:
        """This content with the streamed pages and files in `pages` and `text_files` (and
        the skeletons left out): every page at once, for tests and small sites only."""
        import dataclasses

        return dataclasses.replace(
            self,
            pages=list(self.all_pages()),
            text_files=self.all_text_files(),
            ctx=None,
            skeleton_filled=[],
        )

    def all_pages(self) -> Iterator[Page]:
        """Every page: mkdocs' (skeletons left out) and the streamed ones (tests, checks)."""
        from rescore.site.render import is_skeleton

        yield from (p for p in self.pages if not is_skeleton(p.src_uri))
        yield from self.skeleton_filled
        yield from (p for p in self.streamed() if isinstance(p, Page))

    def all_text_files(self) -> dict[str, str | bytes]:
        """Every generated file: mkdocs' and the streamed ones (tests, checks)."""
        files = dict(self.text_files)
        files.update({f.uri: f.text for f in self.streamed() if isinstance(f, TextFile)})
        return files


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
    write_atomic(path, bundle)
    return bundle


def problem_site(message: str) -> SiteContent:
    """A one-page site that says what is missing and which command makes it."""
    page = Page("index.md", "Overview")
    page.markdown = "# rescore report\n\n" + page.block(
        f'<div class="admonition failure"><p class="admonition-title">'
        f"No report to show</p><p>{esc(message)}</p></div>"
    )
    return SiteContent(pages=[page], nav=[{"Overview": "index.md"}], problem=message)


CSV_MAX_PARQUET_BYTES = 2_000_000  # a mart whose Parquet is bigger is offered as Parquet only
PARQUET_ROW_GROUP = 8_192  # rows per Parquet row group of a download (bounded memory)
CSV_MAX_BYTES = 2_000_000  # nor is one whose CSV is bigger (ingest_errors: 16 MB CSV, 1 MB Parquet)


def export_marts(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, dict[str, Any]]:
    """Parquet of every mart (and CSV of those small enough), written by DuckDB COPY.

    `marts.responses` holds every answer text of every scoring run: as CSV it is ~250 MB for
    the real run (Parquet ~10 MB), so big marts are Parquet only; `csv` is None for them.
    Repetitive text compresses well in Parquet only (`marts.ingest_errors`: 1.2 MB Parquet,
    16 MB CSV on the real run), so a CSV over CSV_MAX_BYTES is dropped too.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
            " order by 1"
        ).fetchall()
    ]
    # One thread and small row groups: DuckDB's Parquet writer holds a row group per thread,
    # ~1.3 GB of answer text for marts.responses at 10 runs with the defaults (122,880 rows,
    # 2 threads); 8,192-row groups on one thread: ~0.4 GB whatever the size, and no slower.
    con.execute("set threads = 1")
    try:
        return _export(con, out_dir, tables)
    finally:
        con.execute("reset threads")


def _export(con: duckdb.DuckDBPyConnection, out_dir: Path, tables: list[str]) -> dict:
    info: dict[str, dict[str, Any]] = {}
    for mart in tables:
        parquet = out_dir / f"{mart}.parquet"
        # COPY answers with the number of rows it wrote
        rows = con.execute(
            f"copy (select * from marts.{sql_ident(mart)}) to {sql_literal(parquet)}"
            f" (format parquet, row_group_size {PARQUET_ROW_GROUP})"
        ).fetchall()[0][0]
        csv: Path | None = out_dir / f"{mart}.csv"
        if parquet.stat().st_size > CSV_MAX_PARQUET_BYTES:
            csv = None
        else:
            con.execute(
                f"copy (select * from marts.{sql_ident(mart)}) to {sql_literal(csv)}"
                " (header, delimiter ',')"
            )
            if csv.stat().st_size > CSV_MAX_BYTES:
                csv.unlink()
                csv = None
        info[mart] = {"rows": rows, "csv": csv, "parquet": parquet}
    return info


def render_svgs(charts: list[ch.Chart], cache_dir: Path | None = None) -> dict[str, str]:
    """Static SVG (light palette, fixed width) of each chart, by chart name.

    vl-convert does its work outside the GIL, so the hook runs this in a thread while mkdocs
    renders the pages, and writes the files after the build (on_post_build). An SVG is a
    function of its static spec and vl-convert's version, so with `cache_dir` (beside the
    page cache, per warehouse) each is kept under that key and only a new or changed chart is
    drawn: the per-run Acceleration charts of earlier runs (1,148 at a million responses,
    ~0.1 s each) do not change when a run is added. A chart that failed is not kept.
    """
    import hashlib

    import vl_convert

    version = getattr(vl_convert, "__version__", "unknown")
    out: dict[str, str] = {}
    for c in charts:
        spec = c.static_spec_json()
        path = None
        if cache_dir is not None:
            key = hashlib.sha256(f"{version}\0{spec}".encode()).hexdigest()
            path = cache_dir / key[:2] / f"{key}.svg"
            try:
                out[c.name] = path.read_text(encoding="utf-8")
                os.utime(path)  # in use: kept by prune_svgs
                continue
            except OSError:
                pass
        try:
            svg = vl_convert.vegalite_to_svg(spec)
        except (ValueError, RuntimeError) as exc:
            # One chart too big for the static renderer (at 100x a heatmap overflowed V8's
            # stack) must not take the site down: its page keeps the interactive chart, the
            # SVG says why it is missing.
            out[c.name] = unrendered_svg(c.name, str(exc).splitlines()[-1][:200])
            continue
        out[c.name] = svg
        if path is not None:
            write_atomic(path, svg)
    if cache_dir is not None:
        prune_svgs(cache_dir)
    return out


def prune_svgs(cache_dir: Path, days: float = CACHE_DAYS) -> int:
    """Drop cached SVGs no build used for `days`, as the page cache does; the count removed."""
    return prune_unused(cache_dir.glob("*/*.svg"), days)


def unrendered_svg(name: str, reason: str) -> str:
    """A small SVG in place of a chart the static renderer could not draw (text escaped)."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="40">'
        f'<text x="8" y="24" font-family="sans-serif" font-size="13">'
        f"Static chart {esc(name)} not rendered ({esc(reason)}); the page's interactive chart"
        " shows it.</text></svg>"
    )


SITE_MEMORY = "1GB"  # DuckDB's share while the site reads the marts and writes the downloads


def _open(warehouse: Path, work_dir: Path) -> duckdb.DuckDBPyConnection:
    """The read-only connection the site is generated from, its memory bounded.

    Unbounded, DuckDB's buffer pool keeps every block it reads up to 80% of the machine's
    RAM: the page keys hash every `marts.responses` row and the downloads copy every mart, so
    the site's peak RSS grew with the history (3.73 GB at 100x, over 4 GB at a million
    responses). Bounded, it evicts what it read and spills sorts to the build's scratch.
    """
    if not warehouse.exists():
        raise WarehouseMissing(
            f"no warehouse at {warehouse}: run `rescore report examples/prompts "
            "examples/runs/20260101_120000` (or pass --warehouse) first."
        )
    return stream.connect(warehouse, work_dir, memory=SITE_MEMORY, one_thread=False)


def generate_site(settings: SiteSettings, *, use_directory_urls: bool = True) -> SiteContent:
    """Read the warehouse once and produce every generated page and file of one version."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    warehouse = Path(settings.warehouse)
    downloads_dir = settings.work_dir / "downloads"
    try:
        con = _open(warehouse, settings.work_dir)
    except WarehouseMissing as exc:
        content = problem_site(str(exc))
        content.text_files[VEGA_BUNDLE_URI] = vega_bundle(settings.cache_dir)
        return content
    try:
        data = load_report(con, warehouse, settings.scoring_run)
        ctx = Context(
            data=data,
            version=settings.version,
            use_directory_urls=use_directory_urls,
        )
        stream.plan(con, ctx)
        stream.page_keys(con, ctx)
        timings["load"] = time.perf_counter() - t0
        t = time.perf_counter()
        if downloads_dir.exists():
            shutil.rmtree(downloads_dir)
        downloads = export_marts(con, downloads_dir)
        timings["downloads"] = time.perf_counter() - t
        mirror = None
        if settings.dbt_docs_generate:  # dbt reads its schema, not the warehouse
            from rescore.site.dbt_docs import write_mirror

            mirror = write_mirror(con, settings.dbt_docs_home / "db" / warehouse.name)
    except WarehouseMissing as exc:
        content = problem_site(str(exc))
        content.text_files[VEGA_BUNDLE_URI] = vega_bundle(settings.cache_dir)
        return content
    finally:
        con.close()

    docs_dir = settings.dbt_docs_dir
    pending = settings.dbt_docs_generate
    docs_ok = (
        not pending
        and docs_dir is not None
        and all((docs_dir / f).exists() for f in DBT_DOCS_FILES)
    )
    ctx.dbt_docs = docs_ok or pending
    ctx.downloads = downloads
    t = time.perf_counter()
    pages = pg.build_pages(ctx)
    timings["pages"] = time.perf_counter() - t
    # a page whose shape has no skeleton (cannot happen for the pages that ask, whose
    # headings are fixed) stays with mkdocs rather than fail the build
    filled = [p for p in pages if p.from_skeleton and has_skeleton(p)]
    taken = {id(p) for p in filled}

    content = SiteContent(
        pages=[p for p in pages if id(p) not in taken],
        skeleton_filled=filled,
        nav=pg.nav(pages),
        timings=timings,
        charts=list(ctx.charts),
        dbt_docs_pending=pending,
        ctx=ctx,
        warehouse=warehouse,
        work_dir=settings.work_dir,
        dbt_mirror=mirror,
    )
    content.text_files.update(pg.compare_index(ctx))
    content.text_files.update(question_text_files(ctx))
    for chart in ctx.charts:
        content.text_files[f"assets/charts/{chart.name}.vl.json"] = chart.spec_json()
    content.text_files[VEGA_BUNDLE_URI] = vega_bundle(settings.cache_dir)
    for mart, info in downloads.items():
        if info["csv"] is not None:
            content.path_files[f"downloads/{mart}.csv"] = info["csv"]
        content.path_files[f"downloads/{mart}.parquet"] = info["parquet"]
    if docs_ok and docs_dir is not None:
        for name in DBT_DOCS_FILES:
            content.path_files[f"dbt-docs/{name}"] = docs_dir / name
    timings["total"] = time.perf_counter() - t0
    return content


__all__ = ["SiteContent", "generate_site", "problem_site", "render_svgs", "vega_bundle"]
