"""What every page module shares: the :class:`Page` being built and the build's
:class:`Context` (data, URL style, labels, links, charts).

Pages are Markdown with HTML blocks: big HTML goes into `blocks`, which the mkdocs hook puts in
place of `<!--rescore-block-N-->` markers after Markdown has run, so untrusted text never meets
the Markdown parser and Markdown never spends time on big tables. Headings stay in Markdown so
the table of contents works.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rescore.site import charts as ch
from rescore.site.data import ReportData
from rescore.site.toolkit import Raw, esc, link, md_esc, relative, title_text

BLOCK_MARKER = re.compile(r"(?:<p>)?<!--rescore-block-(\d+)-->(?:</p>)?")


@dataclass
class Page:
    """One generated page. `blocks` replace `<!--rescore-block-N-->` markers after Markdown."""

    src_uri: str
    title: str
    markdown: str = ""
    blocks: list[str] = field(default_factory=list)
    in_nav: bool = True
    search_exclude: bool = False
    # Material's page boost: the listing pages (All configs, Questions) stand in for the
    # per-config and per-question pages the index leaves out, so a name finds them first
    search_boost: float | None = None
    hide_toc: bool = False  # wide tables get the table-of-contents column's width
    # the key of a streamed page's inputs (a config's part: `rescore.site.stream.page_keys`):
    # the renderer records its output under it, and a later build with the same key links
    # that output instead of building the page (`CachedPart`)
    part_key: str = ""
    # made in memory but rendered like a streamed page, from its shape's skeleton and outside
    # mkdocs (rescore.site.render): pages out of the nav and the search index that grow in
    # number with the runs (the per-run Acceleration pages: 1,291 at 30 runs), whose HTML the
    # page cache then keeps, so a run added renders only the pages that changed
    from_skeleton: bool = False

    def __post_init__(self) -> None:
        self.title = title_text(self.title)

    def block(self, html_text: str) -> str:
        """Register an HTML block; return the marker line to put in the Markdown."""
        self.blocks.append(html_text)
        return f"\n<!--rescore-block-{len(self.blocks) - 1}-->\n"

    def rendered(self) -> str:
        """Markdown and blocks together (for tests and size checks)."""
        return self.markdown + "".join(self.blocks)

    def inline(self) -> str:
        """The Markdown with each block in place of its marker (what the reader sees, in
        order; the hook does the same after Markdown ran)."""
        return BLOCK_MARKER.sub(lambda m: self.blocks[int(m.group(1))], self.markdown)


@dataclass
class Context:
    """What every page renderer needs: the data, URL style and the derived lookups."""

    data: ReportData
    version: str | None
    use_directory_urls: bool = True
    dbt_docs: bool = False
    downloads: dict[str, dict[str, Any]] = field(default_factory=dict)
    charts: list[ch.Chart] = field(default_factory=list)
    # config -> parts of its page; response_id -> its part when that is not the first
    # (rescore.site.stream.plan fills both before any page is built)
    config_parts: dict[str, int] = field(default_factory=dict)
    config_sizes: list[tuple[str, int]] = field(default_factory=list)  # in the warehouse order
    response_part: dict[str, int] = field(default_factory=dict)
    # config -> DuckDB hash of its `marts.responses` rows, of all and of each part (stream.plan)
    config_rows_hash: dict[str, str] = field(default_factory=dict, repr=False)
    part_rows_hash: dict[str, list[str]] = field(default_factory=dict, repr=False)
    # config -> the response ids of each part (index 0, the first part, left empty), for a
    # config of several parts: the stream leaves a cached part's rows unread (stream.groups)
    part_responses: dict[str, list[list[str]]] = field(default_factory=dict, repr=False)
    # (suite, question_id) -> answers and the first answer's question name (stream.plan)
    questions: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)
    # (suite, question_id) -> its runs and their answers, oldest first (stream.plan): the
    # newest run's are on the question's page, each earlier run's on a page of its own
    question_runs: dict[tuple[str, str], list[tuple[str, int]]] = field(default_factory=dict)
    run_slugs: dict[str, str] = field(default_factory=dict)  # run_id -> its page names' part
    # site path of a suite's JSON -> question id -> shared texts (pages.configs.question_texts)
    question_texts: dict[str, dict[str, dict[str, str]]] | None = None
    # the current page's links (page uri, {(target, is_page): href}): repeated within a page,
    # and kept for one page only (a cache over every page grew with every link of the site)
    href_cache: tuple[str, dict[tuple[str, bool], str]] = field(
        default_factory=lambda: ("", {}), repr=False
    )
    # ("config", config) / ("config-part", config, part) / ("question", suite, question_id)
    # -> the key of its outputs
    # (rescore.site.stream.page_keys)
    page_keys: dict[tuple[str, ...], str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        roles: dict[str, set[str]] = defaultdict(set)
        for row in self.data.leaderboard:
            roles[row.get("model") or row["config"]].add(row.get("role") or "")
        self.model_roles = {m: sorted(r) for m, r in roles.items() if len(r) > 1}
        self.duplicated = set(self.model_roles)
        self.labels = {
            row["config"]: row.get("display_label") or ch.label_for(row, self.duplicated)
            for row in self.data.leaderboard
        }
        for row in self.data.rows("configs"):  # the house's display labels win
            if row.get("display_label"):
                self.labels[row["config"]] = row["display_label"]
        self.slugs = slugs(
            set(self.data.configs)
            | set(self.data.response_counts)
            | {r["config"] for r in self.data.leaderboard}
        )
        # per-config rows of the leaderboard and suite_scores (config pages: no full scans)
        self.leaderboard_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in self.data.leaderboard:
            self.leaderboard_of[row["config"]].append(row)
        self.suite_scores_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in self.data.suite_scores:
            self.suite_scores_of[row["config"]].append(row)
        self.titles: dict[str, str] = {}
        for row in self.data.rows("categories"):
            if row.get("title"):
                self.titles[row["category"]] = row["title"]

    def facts(self, config: str) -> dict[str, Any]:
        """A config's facts: `marts.configs` (house) over the raw config row."""
        if not hasattr(self, "_facts"):
            self._facts = {c: dict(r) for c, r in self.data.configs.items()}
            for r in self.data.rows("configs"):
                self._facts.setdefault(r["config"], {}).update(
                    {k: v for k, v in r.items() if v is not None}
                )
        return self._facts.get(config, {})

    def filter_attrs(self, row: dict[str, Any]) -> dict[str, Any]:
        """The filter bar's data attributes of a leaderboard-like row (widgets.filter_bar)."""
        f = self.facts(str(row.get("config")))
        size = f.get("size_b", f.get("params_b"))
        variant = f.get("is_variant")
        ranked = row.get("is_ranked")
        return {
            "family": f.get("model_family"),
            "quant": f.get("quant"),
            "size": size,
            "variant": None if variant is None else int(bool(variant)),
            "ranked": None if ranked is None else int(bool(ranked)),
            "search": " ".join(
                str(v)
                for v in (f.get("model"), f.get("role"), row.get("config"), f.get("model_family"))
                if v
            ),
        }

    def filter_bar_for(self, rows: list[dict[str, Any]]) -> str:
        """The filter bar with the controls the rows have data for."""
        from rescore.site.widgets import filter_bar

        attrs = [self.filter_attrs(r) for r in rows]
        return filter_bar(
            families=[a["family"] for a in attrs if a["family"]],
            quants=[a["quant"] for a in attrs if a["quant"]],
            variants=any(a["variant"] is not None for a in attrs),
            coverage=any(a["ranked"] is not None for a in attrs),
            size=any(a["size"] is not None for a in attrs),
        )

    def cat_title(self, cat: Any) -> str:
        cat = str(cat)
        return self.titles.get(cat, cat.replace("_", " ").title())

    def href(self, page: Page, to: str, *, is_page: bool = True) -> str:
        uri, cache = self.href_cache  # ~35,000 links on the real run, many repeated on a page
        if uri != page.src_uri:
            cache = {}
            self.href_cache = (page.src_uri, cache)
        found = cache.get((to, is_page))
        if found is None:
            found = relative(page.src_uri, to, self.use_directory_urls, is_page=is_page)
            cache[(to, is_page)] = found
        return found

    def config_uri(self, config: str) -> str:
        return f"configs/{self.slugs[config]}.md"

    def config_part_uri(self, config: str, part: int) -> str:
        """Part `part` (1 = the config's page itself) of a config page split by size."""
        base = f"configs/{self.slugs[config]}"
        return f"{base}.md" if part == 1 else f"{base}-part-{part}.md"

    def response_uri(self, row: dict[str, Any]) -> str | None:
        """The config page (part) that shows a response, None for a config without a page."""
        config = str(row.get("config"))
        if config not in self.slugs:
            return None
        return self.config_part_uri(config, self.response_part.get(str(row.get("response_id")), 1))

    def config_link(self, page: Page, config: str, text: Any | None = None) -> Raw:
        if config not in self.slugs:
            return Raw(esc(text if text is not None else config))
        return link(self.href(page, self.config_uri(config)), config if text is None else text)

    def response_link(self, page: Page, row: dict[str, Any], text: Any) -> Raw:
        """A link to the response's permalink on the config page (part) that shows it."""
        uri = self.response_uri(row)
        if uri is None:
            return self.config_link(page, str(row.get("config")), text)
        anchor = str(row.get("anchor") or f"r-{row['response_id']}")
        return link(self.href(page, uri) + "#" + anchor, text)

    def category_link(self, page: Page, cat: Any) -> Raw:
        return link(self.href(page, f"categories/{cat}.md"), self.cat_title(cat))

    def model_cell(self, page: Page) -> Callable[[dict[str, Any]], str]:
        """`model (config)` cell of a mart row: the model label linked, the config below."""

        def render(row: dict[str, Any]) -> str:
            config = row.get("config")
            model = row.get("model") or config
            if config is None:
                return esc(model)
            label = self.labels.get(str(config), model if model is not None else config)
            return f"{self.config_link(page, str(config), label).html}<small>{esc(config)}</small>"

        return render

    def missing(self, mart: str) -> str | None:
        """The sentence to show instead of a table when a mart is absent or empty."""
        t = self.data.marts.get(mart)
        if t is None or not t.columns:
            return f"The warehouse has no `marts.{mart}` yet.\n"
        if not len(t):
            return f"`marts.{mart}` has no rows for scoring run {md_esc(self.data.scoring_run)}.\n"
        return None


def mart_page(
    ctx: Context,
    uri: str,
    title: str,
    intro: str,
    mart: str,
    body: Callable[[Page], list[str]],
    *,
    when_empty: str | None = None,
    hide_toc: bool = True,
) -> Page:
    """The shape every page about one mart has: `# title`, the intro, then `body(page)`'s
    Markdown parts, or, when the mart is absent or has no rows for this scoring run, the
    sentence saying so (`Context.missing`; `when_empty` replaces the "no rows" one, e.g. "No
    earlier scoring run to compare this one with.").

        def drift(ctx):
            return mart_page(ctx, "drift.md", "Drift", INTRO, "drift", lambda page: [...])
    """
    page = Page(uri, title, hide_toc=hide_toc)
    md = [f"# {md_esc(title)}\n"] + ([intro] if intro else [])
    missing = ctx.missing(mart)
    table_ = ctx.data.marts.get(mart)
    if missing and when_empty and table_ is not None and table_.columns:
        missing = when_empty
    md += [missing] if missing else body(page)
    page.markdown = "\n".join(md)
    return page


def mart_table(ctx: Context, page: Page, rows: list[dict[str, Any]], cols: Any, **kw: Any) -> str:
    """A focused table of mart rows (model cells linked to config pages), as a page block."""
    from rescore.site.toolkit import focused_table

    return page.block(focused_table(rows, cols, ctx.model_cell(page), **kw))


# config page names the All configs page and its parts take (configs/index.md, -part-N)
RESERVED_SLUG = re.compile(r"index(-part-\d+)?")


def slugs(configs: Iterable[str]) -> dict[str, str]:
    """File-safe, unique page names for configs (names are untrusted text)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for config in sorted(configs):
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", config).strip(".-") or "config"
        base, n = slug, 2
        while slug.lower() in used or RESERVED_SLUG.fullmatch(slug.lower()):
            slug, n = f"{base}-{n}", n + 1
        used.add(slug.lower())
        out[config] = slug
    return out


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", str(text)).strip("-").lower() or "x"


def _with_links(ctx: Context, page: Page, chart: ch.Chart) -> ch.Chart:
    """Make marks clickable: each datum with a `config` links to that config's page."""
    spec = copy.deepcopy(chart.spec)
    tables = list((spec.get("datasets") or {}).values())
    if isinstance(spec.get("data"), dict) and "values" in spec["data"]:
        tables.append(spec["data"]["values"])
    linked = False
    for rows in tables:
        for row in rows:
            config = row.get("config") if isinstance(row, dict) else None
            if config in ctx.slugs:
                row["url"] = ctx.href(page, ctx.config_uri(config))
                linked = True
    if not linked:
        return chart
    for part in [spec, *spec.get("layer", [])]:
        enc = part.get("encoding")
        if isinstance(enc, dict) and "tooltip" in enc and "href" not in enc:
            enc["href"] = {"field": "url", "type": "nominal"}
    return ch.Chart(name=chart.name, title=chart.title, spec=spec)


# a chart spec longer than this is not put in the page: assets/rescore.js fetches its file
CHART_INLINE_MAX = 150_000


def chart_html(ctx: Context, page: Page, chart: ch.Chart | None) -> str:
    """A chart placeholder that assets/rescore.js renders, with a static SVG fallback.

    The spec is JSON inside a `<script type="application/json">`; `<`, `>` and `&` are
    written as JSON escapes so a hostile name in the data cannot close the script element.
    """
    if chart is None:
        return '<p class="rescore-empty">No data for this chart.</p>'
    chart = _with_links(ctx, page, chart)
    if all(c.name != chart.name for c in ctx.charts):
        ctx.charts.append(chart)
    svg = ctx.href(page, f"assets/charts/{chart.name}.svg", is_page=False)
    spec = chart.spec_json().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    if len(spec) > CHART_INLINE_MAX:  # e.g. the suite heatmap at 10 runs: 1.2 MB of data
        src = ctx.href(page, f"assets/charts/{chart.name}.vl.json", is_page=False)
        inner = (
            f'<div class="rescore-chart" data-chart="{esc(chart.name)}" data-spec-src="{esc(src)}">'
        )
    else:
        inner = (
            f'<div class="rescore-chart" data-chart="{esc(chart.name)}">'
            f'<script type="application/json">{spec}</script>'
        )
    return (
        f'<figure class="rescore-figure">{inner}</div>'
        f'<noscript><img src="{esc(svg)}" alt="{esc(chart.title)}"></noscript>'
        f'<figcaption>{esc(chart.title)} &middot; <a href="{esc(svg)}">static SVG</a>'
        "</figcaption></figure>"
    )


def severity_key(row: dict[str, Any]) -> int:
    """Most severe first: the mart's `severity_rank` (critical_issues, findings)."""
    return int(row["severity_rank"])


# characters of table or section HTML per page before it is cut into parts (~1 MB with the
# theme): pages whose mart grows with the runs (critical issues, findings) are paged by it
PART_BUDGET = 450_000
# what a page's own HTML (its Markdown and blocks, before the theme) may reach when its rows
# are cut by PART_BUDGET: row_size counts about half of a table row's markup (tests assert it)
PAGE_MAX_CHARS = 1_000_000


def row_size(row: dict[str, Any]) -> int:
    """About the characters a mart row takes on a page (its values' text and the markup)."""
    return 300 + sum(len(str(v)) for v in row.values() if v is not None)


def split_parts(items: list[Any], size: Callable[[Any], int], budget: int = PART_BUDGET):
    """Items in order, cut into parts of about `budget` characters (at least one part)."""
    parts: list[list[Any]] = [[]]
    total = 0
    for item in items:
        n = size(item)
        if parts[-1] and total + n > budget:
            parts.append([])
            total = 0
        parts[-1].append(item)
        total += n
    return parts


def part_uri(uri: str, part: int) -> str:
    """Part `part` of a page cut into parts (1 = the page itself)."""
    return uri if part == 1 else f"{uri[:-3]}-part-{part}.md"


def part_title(title: str, part: int) -> str:
    """`title (part N)` for the parts after the first."""
    return title if part == 1 else f"{title} (part {part})"


def part_links(ctx: Context, page: Page, uris: list[str], current: int) -> str:
    """`part 1 · part 2 ...` with the current part (0-based) in bold, the others linked."""
    return " &middot; ".join(
        f"<strong>part {j + 1}</strong>"
        if j == current
        else link(ctx.href(page, u), f"part {j + 1}").html
        for j, u in enumerate(uris)
    )


def parts_links(ctx: Context, page: Page, uris: list[str], current: int, what: str) -> str:
    """`Rows in parts: part 1 · part 2 ...` with the current part in bold (0-based)."""
    links = part_links(ctx, page, uris, current)
    return f'<p class="rescore-parts">{esc(what)} in parts: {links}</p>'
