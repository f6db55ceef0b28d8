"""The report's pages, as Markdown with HTML blocks, rendered from a :class:`ReportData`.

Pages are mostly HTML tables and charts. Big HTML goes into `blocks`, which the mkdocs hook
puts in place of `<!--rescore-block-N-->` markers after Markdown has run, so untrusted text
never meets the Markdown parser and Markdown never spends time on big tables. Headings stay in
Markdown so the table of contents works. Every number comes from the data; nothing here is a
result typed in by hand.
"""

from __future__ import annotations

import copy
import json
import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rescore.report import charts as ch
from rescore.report.data import MARTS, ReportData, dbt_vars
from rescore.report.html import (
    Cell,
    Col,
    Raw,
    badge,
    badges,
    details,
    esc,
    fmt_delta,
    fmt_num,
    fmt_pct,
    fmt_score,
    focused_table,
    format_cell,
    generic_table,
    link,
    md_esc,
    relative,
    table,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CATEGORY_TITLES = {
    "thinking": "Thinking",
    "draft": "Draft",
    "architect_ingest": "Architect / Ingest",
    "coder_tool_vision": "Coder / Tool / Vision",
    "general_worker": "General / Worker",
}


@dataclass
class Page:
    """One generated page. `blocks` replace `<!--rescore-block-N-->` markers after Markdown."""

    src_uri: str
    title: str
    markdown: str = ""
    blocks: list[str] = field(default_factory=list)
    in_nav: bool = True
    search_exclude: bool = False
    hide_toc: bool = False  # wide tables get the table-of-contents column's width

    def block(self, html_text: str) -> str:
        """Register an HTML block; return the marker line to put in the Markdown."""
        self.blocks.append(html_text)
        return f"\n<!--rescore-block-{len(self.blocks) - 1}-->\n"


@dataclass
class Context:
    """What every page renderer needs: the data, URL style and the derived lookups."""

    data: ReportData
    version: str | None
    use_directory_urls: bool = True
    dbt_docs: bool = False
    downloads: dict[str, dict[str, Any]] = field(default_factory=dict)
    charts: list[ch.Chart] = field(default_factory=list)

    def __post_init__(self) -> None:
        roles: dict[str, set[str]] = defaultdict(set)
        for row in self.data.leaderboard:
            roles[row.get("model") or row["config"]].add(row.get("role") or "")
        self.model_roles = {m: sorted(r) for m, r in roles.items() if len(r) > 1}
        self.duplicated = set(self.model_roles)
        self.labels = {
            row["config"]: ch.label_for(row, self.duplicated) for row in self.data.leaderboard
        }
        self.slugs = _slugs(
            set(self.data.configs)
            | set(self.data.details)
            | {r["config"] for r in self.data.leaderboard}
        )

    def href(self, page: Page, to: str, *, is_page: bool = True) -> str:
        return relative(page.src_uri, to, self.use_directory_urls, is_page=is_page)

    def config_link(self, page: Page, config: str, text: Any | None = None) -> Raw:
        if config not in self.slugs:
            return Raw(esc(text if text is not None else config))
        return link(
            self.href(page, f"configs/{self.slugs[config]}.md"), config if text is None else text
        )

    def linkers(self, page: Page) -> dict[str, Callable[[Any], Raw]]:
        return {"config": lambda c: self.config_link(page, str(c))}

    def model_link(self, page: Page) -> Callable[[Any, Any], str]:
        """`model (config)` cell: the model linked to the config page, the config below."""

        def render(model: Any, config: Any) -> str:
            if config is None:
                return esc(model)
            label = self.labels.get(str(config), model if model is not None else config)
            return f"{self.config_link(page, str(config), label).html}<small>{esc(config)}</small>"

        return render


def _slugs(configs: Iterable[str]) -> dict[str, str]:
    """File-safe, unique page names for configs (config names are file stems, but be sure)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for config in sorted(configs):
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", config).strip(".-") or "config"
        base, n = slug, 2
        while slug.lower() in used:
            slug, n = f"{base}-{n}", n + 1
        used.add(slug.lower())
        out[config] = slug
    return out


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
                row["url"] = ctx.href(page, f"configs/{ctx.slugs[config]}.md")
                linked = True
    if not linked:
        return chart
    for part in [spec, *spec.get("layer", [])]:
        enc = part.get("encoding")
        if isinstance(enc, dict) and "tooltip" in enc and "href" not in enc:
            enc["href"] = {"field": "url", "type": "nominal"}
    return ch.Chart(name=chart.name, title=chart.title, spec=spec)


def chart_html(ctx: Context, page: Page, chart: ch.Chart | None) -> str:
    """A chart placeholder that assets/rescore.js renders, with a static SVG fallback."""
    if chart is None:
        return '<p class="rescore-empty">No data for this chart.</p>'
    chart = _with_links(ctx, page, chart)
    if all(c.name != chart.name for c in ctx.charts):
        ctx.charts.append(chart)
    svg = ctx.href(page, f"assets/charts/{chart.name}.svg", is_page=False)
    spec = chart.spec_json().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        f'<figure class="rescore-figure"><div class="rescore-chart" data-chart="{esc(chart.name)}">'
        f'<script type="application/json">{spec}</script></div>'
        f'<noscript><img src="{esc(svg)}" alt="{esc(chart.title)}"></noscript>'
        f'<figcaption>{esc(chart.title)} &middot; <a href="{esc(svg)}">static SVG</a>'
        "</figcaption></figure>"
    )


def build_pages(ctx: Context) -> list[Page]:
    """All pages of one site version, navigation pages first."""
    pages = [overview(ctx)]
    pages += [category_page(ctx, c) for c in ctx.data.categories]
    pages += [
        top_performers(ctx),
        findings(ctx),
        models_to_avoid(ctx),
        drift(ctx),
        critical_issues(ctx),
        suite_observations(ctx),
        methodology(ctx),
        downloads(ctx),
        config_index(ctx),
    ]
    pages += [config_page(ctx, config) for config in sorted(ctx.slugs)]
    return pages


def nav(pages: list[Page]) -> list[Any]:
    """mkdocs `nav` for the pages that belong in it (config pages stay out: see STYLE.md)."""
    items: list[Any] = []
    leaderboards = []
    for page in pages:
        if not page.in_nav:
            continue
        if page.src_uri.startswith("categories/"):
            leaderboards.append({page.title: page.src_uri})
            if len(leaderboards) == 1:
                items.append({"Leaderboards": leaderboards})
        else:
            items.append({page.title: page.src_uri})
    return items


# --- pages ---------------------------------------------------------------------------


def overview(ctx: Context) -> Page:
    d, f = ctx.data, ctx.data.facts
    page = Page("index.md", "Overview")
    sr = d.scoring_row
    version = f" (site version {md_esc(ctx.version)})" if ctx.version else ""
    md = [
        f"# Blind rescore: {md_esc(d.scoring_run)}\n",
        f"Scoring run **{md_esc(d.scoring_run)}**{version}, judged by "
        f"**{md_esc(f['judge'] or sr.get('judge'))}** with rubric "
        f"**{md_esc(f['rubric_version'] or sr.get('rubric_version'))}**.\n",
    ]
    facts = [
        ("benchmark runs", f"{f['runs']} ({f['run_ids'] or ''})"),
        ("configs ingested", f["configs"]),
        ("responses ingested", f["responses"]),
        ("responses judged in this scoring run", f["judged"]),
        ("configs scored", f["configs_scored"]),
        ("distinct models scored", f["models_scored"]),
        ("suites / questions", f"{f['suites']} / {f['questions']}"),
        ("response-health flags", f["flags"]),
        ("records quarantined at ingest", f["ingest_errors"]),
    ]
    totals = [f for f in _rows(ctx, "findings") if f.get("kind") == "totals"]
    for t in totals:
        md.append(
            f"**{md_esc(t.get('headline'))}** ({md_esc(t.get('evidence'))}); see "
            "[Findings](findings.md) for what stands out.\n"
        )
    md.append(page.block(table(["fact", "value"], [[k, v] for k, v in facts])))
    md.append("\n## Rubric\n")
    md.append(page.block(table(["Score", "Meaning"], [[s, m] for s, m in _rubric_rows()])))
    md.append("\n## Categories\n")
    rows = []
    for cat in d.categories:
        cat_rows = [r for r in d.leaderboard if r["category"] == cat]
        best = max(cat_rows, key=lambda r: r["pct"] or -1)
        rows.append(
            [
                Cell(link(ctx.href(page, f"categories/{cat}.md"), _cat_title(cat)).html),
                Cell(str(len(cat_rows)), len(cat_rows)),
                Cell(ctx.config_link(page, best["config"], ctx.labels[best["config"]]).html),
                Cell(fmt_pct(best["pct"]), best["pct"]),
            ]
        )
    md.append(page.block(table(["Category", "Configs", "Best", "Pct"], rows, numeric={1, 3})))
    if ctx.model_roles:
        md.append("\n## Models under more than one role\n")
        md.append(
            "These models were run in several roles; each role is its own config and "
            "row, labelled with the role.\n"
        )
        md.append(
            page.block(
                table(
                    ["Model", "Roles"],
                    [[m, ", ".join(r)] for m, r in sorted(ctx.model_roles.items())],
                )
            )
        )
    scoring = d.scoring_runs
    if len(scoring):
        md.append("\n## Scoring runs in this warehouse\n")
        md.append(
            page.block(
                generic_table(scoring.columns, scoring.rows, skip=("source_files", "settings"))
            )
        )
    page.markdown = "\n".join(md)
    return page


def _rubric_rows() -> list[tuple[int, str]]:
    try:
        from judge.base import RUBRIC
    except ImportError:  # pragma: no cover - the judge package ships with rescore
        return []
    rows = []
    for line in RUBRIC.splitlines():
        m = re.match(r"\s*([0-3])\s*=\s*(.+)", line)
        if m:
            rows.append((int(m.group(1)), m.group(2)))
    return sorted(rows, reverse=True)


def _cat_title(cat: str) -> str:
    return CATEGORY_TITLES.get(cat, cat.replace("_", " ").title())


def category_page(ctx: Context, cat: str) -> Page:
    title = _cat_title(cat)
    page = Page(f"categories/{cat}.md", title, hide_toc=True)
    rows = [r for r in ctx.data.leaderboard if r["category"] == cat]
    md = [
        f"# {title} models\n",
        f"{len(rows)} configs scored in scoring run {md_esc(ctx.data.scoring_run)}, ranked by "
        "percentage of the maximum score (3 points per judged response). Every row links to "
        "the config's page with each question, score, judge reason and response.\n",
    ]
    dup_here = sorted({r.get("model") for r in rows if r.get("model") in ctx.duplicated})
    if dup_here:
        roles = "; ".join(
            f"{md_esc(m)} ({', '.join(md_esc(r) for r in ctx.model_roles[m])})" for m in dup_here
        )
        md.append(
            f'!!! note "Models under two roles"\n    {roles}: each role is its own '
            "config, shown with the role after the model name.\n"
        )
    body = []
    for r in rows:
        model = ctx.config_link(page, r["config"], ctx.labels[r["config"]]).html
        body.append(
            [
                Cell(fmt_num(r.get("rank"), 0), r.get("rank")),
                Cell(f"{model}<small>{esc(r['config'])}</small>", None, "rescore-model"),
                Cell(esc(fmt_score(r["score"], r["max_score"])), r["score"]),
                Cell(fmt_pct(r["pct"]), r["pct"]),
                Cell(fmt_num(r.get("avg_tps")), r.get("avg_tps")),
                Cell(badges(r.get("notes")), None, "rescore-notes"),
                Cell(
                    f"{fmt_num(r.get('judged'), 0)}/{fmt_num(r.get('responses'), 0)}",
                    r.get("judged"),
                ),
                Cell(fmt_num(r.get("truncated"), 0), r.get("truncated")),
            ]
        )
    md.append(
        page.block(
            table(
                ["#", "Model (config)", "Score", "Pct", "Avg TPS", "Notes", "Judged", "Truncated"],
                body,
                numeric={0, 2, 3, 4, 6, 7},
            )
        )
    )
    md.append("\n## Chart\n")
    md.append(page.block(chart_html(ctx, page, ch.leaderboard_bars(cat, rows, ctx.duplicated))))
    if cat == "draft":
        md.append("\n## Quality against speed\n")
        md.append(
            "The Pareto front joins the configs that no other config beats on both "
            "speed and quality.\n"
        )
        md.append(page.block(chart_html(ctx, page, ch.quality_vs_speed(rows, ctx.duplicated))))
    page.markdown = "\n".join(md)
    return page


# --- mart pages: the few columns a reader needs (the downloads page has every column) ------

SEVERITY_ORDER = ("critical", "moderate", "expected", "info")
DRIFT_KINDS = ("category_drift", "category_truncation", "suite_all_low", "group_suite_failure")
SPEED_PICKS = ("speed", "group_speed")

AVOID_COLS = (
    Col("model", "Model (config)"),
    Col("category_title", "Category"),
    Col("pct", "Score", "pct"),
    Col("relevant_pct", "On its suites", "pct"),
    Col("reason", "Reason", "long"),
)
CRITICAL_COLS = (
    Col("severity", "Severity", "badge"),
    Col("issue", "Issue"),
    Col("model", "Model (config)"),
    Col("evidence", "Evidence", "long"),
)
DRIFT_COLS = (
    Col("model", "Model (config)"),
    Col("previous", "Previous"),
    Col("pct", "Now", "pct"),
    Col("delta_pct", "Delta", "delta"),
    Col("likely_cause", "Likely cause", "long"),
)
SUITE_COLS = (
    Col("suite", "Suite"),
    Col("configs", "Configs", "int"),
    Col("avg_pct", "Mean", "pct"),
    Col("pct_range", "Range", "short"),
    Col("hardest_question", "Hardest question"),
    Col("hardest_question_pct", "Its mean", "pct"),
    Col("never_full", "Never full marks", "short"),
    Col("observation", "Observation", "long"),
)
SUITES_COLS = (
    Col("suite", "Suite"),
    Col("description", "Description", "long"),
    Col("max_tokens", "Max tokens", "int"),
    Col("questions", "Questions", "int"),
)
AGREEMENT_COLS = (
    Col("scoring_run_a", "Scoring run A"),
    Col("scoring_run_b", "Scoring run B"),
    Col("judge_a", "Judge A"),
    Col("judge_b", "Judge B"),
    Col("n", "Responses", "int"),
    Col("exact_agreement", "Exact", "rate"),
    Col("within_one", "Within one", "rate"),
    Col("weighted_kappa", "Weighted kappa", "ratio"),
)


def _rows(ctx: Context, mart: str) -> list[dict[str, Any]]:
    t = ctx.data.marts.get(mart)
    return t.dicts() if t is not None and t.columns else []


def _missing(ctx: Context, mart: str) -> str | None:
    """The sentence to show instead of a table when a mart is absent or empty."""
    t = ctx.data.marts.get(mart)
    if t is None or not t.columns:
        return f"The warehouse has no `marts.{mart}` yet.\n"
    if not len(t):
        return f"`marts.{mart}` has no rows for scoring run {md_esc(ctx.data.scoring_run)}.\n"
    return None


def _model_cell(ctx: Context, page: Page) -> Callable[[dict[str, Any]], str]:
    render = ctx.model_link(page)
    return lambda row: render(row.get("model") or row.get("config"), row.get("config"))


def _severity_key(row: dict[str, Any]) -> int:
    sev = str(row.get("severity") or "").lower()
    return SEVERITY_ORDER.index(sev) if sev in SEVERITY_ORDER else len(SEVERITY_ORDER)


def _pick_score(row: dict[str, Any]) -> str:
    """`87.1%`, or for a speed pick the report's `75.0% @ 157 t/s`."""
    text = fmt_pct(row.get("pct"))
    if str(row.get("pick") or "") in SPEED_PICKS and row.get("avg_tps") is not None:
        text += f" @ {float(row['avg_tps']):.0f} t/s"
    return text


def _rules(rows: list[dict[str, Any]], label: Callable[[dict[str, Any]], str]) -> str:
    """Each distinct tie-break rule once, with the picks it applies to."""
    by_rule: dict[str, list[str]] = {}
    for r in rows:
        if r.get("rule"):
            by_rule.setdefault(str(r["rule"]), []).append(label(r))
    if not by_rule:
        return ""
    if len(by_rule) == 1:
        return f'<p class="rescore-rule">Rule: {esc(next(iter(by_rule)))}.</p>'
    items = "".join(
        f"<li><strong>{esc(', '.join(dict.fromkeys(labels)))}</strong>: {esc(rule)}</li>"
        for rule, labels in by_rule.items()
    )
    return f'<p class="rescore-rule">Rules:</p><ul class="rescore-rule">{items}</ul>'


def top_performers(ctx: Context) -> Page:
    page = Page("top-performers.md", "Top performers", hide_toc=True)
    md = ["# Top performers\n"]
    missing = _missing(ctx, "top_performers")
    if missing:
        page.markdown = "\n".join(md + [missing])
        return page
    rows = _rows(ctx, "top_performers")
    grouped = "pick_group" in rows[0]
    groups = sorted(
        (r for r in rows if grouped and r.get("pick_group") is not None),
        key=lambda r: (
            r.get("pick_order") is None,
            r.get("pick_order") or 0,
            str(r.get("pick_label")),
        ),
    )
    per_category = [r for r in rows if not grouped or r.get("pick_group") is None]
    model = _model_cell(ctx, page)
    if groups:
        md.append("## Top performers by category\n")
        md.append(
            "The best config of each pick group (roles grouped as the report groups them), "
            "and for drafts also the fastest config that still scores well.\n"
        )
        body, thin = [], False
        for r in groups:
            label = esc(r.get("pick_label") or r.get("pick_group"))
            if r.get("has_min_judged") is False:
                thin = True
                label += " " + badge("few judged", "warning")
            body.append(
                [
                    Cell(f"<strong>{label}</strong>"),
                    Cell(model(r), None, "rescore-model"),
                    Cell(esc(_pick_score(r)), r.get("pct")),
                ]
            )
        html_parts = [
            table(["Category", "Model (config)", "Score"], body, numeric={2}),
            _rules(groups, lambda r: str(r.get("pick_label") or r.get("pick_group"))),
        ]
        if thin:
            html_parts.append(
                '<p class="rescore-rule">"few judged": no config of the group '
                "reached the minimum number of judged responses, so the pick "
                "rests on few answers.</p>"
            )
        md.append(page.block("".join(html_parts)))
    if per_category:
        md.append("\n## Per leaderboard category\n" if groups else "")
        md.append("The quality pick of each leaderboard category, and the draft speed pick.\n")
        per_category.sort(
            key=lambda r: (
                ctx.data.categories.index(r["category"])
                if r.get("category") in ctx.data.categories
                else 99,
                str(r.get("pick") or ""),
            )
        )
        body = [
            [
                Cell(
                    link(
                        ctx.href(page, f"categories/{r['category']}.md"),
                        _cat_title(str(r["category"])),
                    ).html
                ),
                esc(r.get("pick") or "quality"),
                Cell(model(r), None, "rescore-model"),
                Cell(esc(_pick_score(r)), r.get("pct")),
                format_cell("num", r.get("avg_tps")),
            ]
            for r in per_category
        ]
        md.append(
            page.block(
                table(
                    ["Category", "Pick", "Model (config)", "Score", "Avg TPS"],
                    body,
                    numeric={3, 4},
                    css="rescore-compact",
                )
                + _rules(
                    per_category,
                    lambda r: (
                        f"{_cat_title(str(r.get('category')))} ({r.get('pick') or 'quality'})"
                    ),
                )
            )
        )
    page.markdown = "\n".join(md)
    return page


def _finding_html(ctx: Context, page: Page, f: dict[str, Any]) -> str:
    """A finding as the report writes one: severity badge, then evidence bullets."""
    sev = str(f.get("severity") or "info")
    bullets = [p.strip() for p in str(f.get("evidence") or "").split(";") if p.strip()]
    scope, subject = f.get("scope"), f.get("subject")
    where = None
    if scope == "config" and subject in ctx.slugs:
        where = f"Config: {ctx.config_link(page, str(subject), ctx.labels.get(str(subject))).html}"
    elif scope in ("category", "category_baseline") and subject in ctx.data.categories:
        where = (
            "Category: "
            + link(ctx.href(page, f"categories/{subject}.md"), _cat_title(str(subject))).html
        )
    elif scope == "suite":
        where = "Suite: " + link(ctx.href(page, "suites.md"), subject).html
    if f.get("baseline") and f.get("kind") == "category_drift":
        where = (where + " &middot; " if where else "") + "Baseline: " + esc(f["baseline"])
    items = "".join(f"<li>{esc(b)}</li>" for b in bullets)
    if where:
        items += f"<li>{where}</li>"
    return (
        f'<div class="rescore-finding"><p><strong>Severity: {badge(sev.upper(), sev)}'
        f"</strong></p><ul>{items}</ul></div>"
    )


def _finding_sections(ctx: Context, page: Page, findings: list[dict[str, Any]]) -> list[str]:
    md: list[str] = []
    sections = (
        ("Key drift observations", [f for f in findings if f.get("kind") in DRIFT_KINDS]),
        (
            "Critical issues discovered",
            [f for f in findings if f.get("kind") not in DRIFT_KINDS + ("totals",)],
        ),
    )
    for title, items in sections:
        md.append(f"\n## {title}\n")
        if not items:
            md.append("Nothing found for this scoring run.\n")
            continue
        items.sort(
            key=lambda f: (
                _severity_key(f),
                str(f.get("kind")),
                f.get("metric") if f.get("metric") is not None else 0,
                str(f.get("finding_id")),
            )
        )
        for i, f in enumerate(items, 1):
            md.append(f"\n### {i}. {md_esc(f.get('headline'))}\n")
            md.append(page.block(_finding_html(ctx, page, f)))
    return md


def findings(ctx: Context) -> Page:
    page = Page("findings.md", "Findings")
    md = [
        "# Findings\n",
        "What the numbers say, in sentences computed by `marts.findings` from the other marts "
        "(thresholds are dbt vars, see [Methodology](methodology.md)). Most severe first.\n",
    ]
    missing = _missing(ctx, "findings")
    rows = [] if missing else _rows(ctx, "findings")
    totals = [f for f in rows if f.get("kind") == "totals"]
    for t in totals:
        md.append(f"**{md_esc(t.get('headline'))}** ({md_esc(t.get('evidence'))}).\n")
    if missing:
        md.append(missing)
    else:
        md += _finding_sections(ctx, page, rows)
    page.markdown = "\n".join(md)
    return page


def models_to_avoid(ctx: Context) -> Page:
    page = Page("models-to-avoid.md", "Models to avoid", hide_toc=True)
    md = [
        "# Models to avoid\n",
        "Configs below the threshold on the suites relevant to their role, or with a "
        'critical detector rate, lowest score first. "On its suites" is the score on the '
        "suites of the role's speciality.\n",
    ]
    missing = _missing(ctx, "models_to_avoid")
    if missing:
        md.append(missing)
    else:
        rows = sorted(
            _rows(ctx, "models_to_avoid"),
            key=lambda r: (r.get("pct") is None, r.get("pct") or 0, str(r.get("config"))),
        )
        for r in rows:
            r["category_title"] = _cat_title(str(r["category"])) if r.get("category") else None
        md.append(page.block(focused_table(rows, AVOID_COLS, _model_cell(ctx, page))))
    page.markdown = "\n".join(md)
    return page


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


def drift(ctx: Context) -> Page:
    page = Page("drift.md", "Drift", hide_toc=True)
    md = [
        "# Drift\n",
        "This scoring run against earlier scores (imported summaries or earlier scoring "
        "runs), one table per baseline, biggest change first. Delta is in percentage "
        "points.\n",
    ]
    missing = _missing(ctx, "drift")
    if missing:
        md.append(missing)
        page.markdown = "\n".join(md)
        return page
    by_baseline: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in _rows(ctx, "drift"):
        by_baseline[str(r.get("baseline"))].append(r)
    model = _model_cell(ctx, page)
    for n, (baseline, rows) in enumerate(sorted(by_baseline.items())):
        for r in rows:
            text = r.get("previous_pct_text")
            r["previous"] = text if text else fmt_pct(r.get("previous_pct"))
        rows.sort(
            key=lambda r: (
                -abs(r["delta_pct"]) if r.get("delta_pct") is not None else 1,
                str(r.get("config")),
            )
        )
        deltas = [r["delta_pct"] for r in rows if r.get("delta_pct") is not None]
        md.append(f"\n## Against {md_esc(baseline)}\n")
        if deltas:
            lower = sum(1 for d in deltas if d < 0)
            md.append(
                f"{len(rows)} configs compared; {lower} scored lower now; mean change "
                f"{fmt_delta(statistics.fmean(deltas))} points.\n"
            )
        md.append(page.block(focused_table(rows, DRIFT_COLS, model)))
        name = "drift-dumbbell" if n == 0 else f"drift-dumbbell-{_slug(baseline)}"
        chart = ch.drift_dumbbell(
            rows, ctx.labels, name=name, title=f"Drift against {baseline}: previous score and now"
        )
        md.append(page.block(chart_html(ctx, page, chart)))
    page.markdown = "\n".join(md)
    return page


def critical_issues(ctx: Context) -> Page:
    page = Page("critical-issues.md", "Critical issues", hide_toc=True)
    md = [
        "# Critical issues\n",
        "Issues the detectors found in the responses, most severe first. Evidence is "
        "computed from model output and shown as text. The [Findings](findings.md) page "
        "sums them up per config.\n",
    ]
    missing = _missing(ctx, "critical_issues")
    if missing:
        md.append(missing)
    else:
        rows = sorted(
            _rows(ctx, "critical_issues"),
            key=lambda r: (_severity_key(r), str(r.get("issue")), str(r.get("config"))),
        )
        md.append(page.block(focused_table(rows, CRITICAL_COLS, _model_cell(ctx, page))))
    md.append("\n## Truncation and degeneration\n")
    md.append(
        "Share of each scored config's responses the detectors flagged (configs without "
        "flags are not shown).\n"
    )
    md.append(page.block(chart_html(ctx, page, ch.health_rates(ctx.data, ctx.labels))))
    page.markdown = "\n".join(md)
    return page


def suite_observations(ctx: Context) -> Page:
    page = Page("suites.md", "Suite observations", hide_toc=True)
    by_suite: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in ctx.data.suite_scores:
        by_suite[s["suite"]].append(s)
    md = [
        "# Suite observations\n",
        "How the configs of this scoring run did on each suite, hardest suite first.\n",
    ]
    stats = []
    for suite, items in by_suite.items():
        pcts = [i["pct"] for i in items if i["pct"] is not None]
        if not pcts:
            continue
        best = max(items, key=lambda i: i["pct"] or -1)
        worst = min(items, key=lambda i: i["pct"] if i["pct"] is not None else 101)
        stats.append(
            (statistics.fmean(pcts), suite, len(items), statistics.median(pcts), best, worst)
        )
    stats.sort(key=lambda s: s[0])
    if stats:
        mean, suite, n, median, best, worst = stats[0]
        md.append(
            f"The hardest suite is **{md_esc(suite)}**: mean {fmt_pct(mean)} over {n} "
            f"configs; the best config there reached {fmt_pct(best['pct'])}.\n"
        )
        all_below = [s for s in stats if (s[4]["pct"] or 0) < stats[-1][0]]
        if all_below:
            names = ", ".join(f"**{md_esc(s[1])}**" for s in all_below)
            md.append(
                f"On {names}, even the best config scored below the mean of the easiest "
                f"suite ({md_esc(stats[-1][1])}, {fmt_pct(stats[-1][0])}).\n"
            )
    observations = _rows(ctx, "suite_observations")
    if observations:
        for r in observations:
            if r.get("questions_never_full_marks") is not None:
                r["never_full"] = (
                    f"{r['questions_never_full_marks']} of {fmt_num(r.get('questions'), 0)}"
                )
        observations.sort(key=lambda r: (r.get("avg_pct") is None, r.get("avg_pct") or 0))
        md.append(page.block(focused_table(observations, SUITE_COLS)))
    md.append("\n## Best and worst config per suite\n")
    rows = []
    for mean, suite, n, median, best, worst in stats:
        rows.append(
            [
                suite,
                Cell(str(n), n),
                Cell(fmt_pct(mean), mean),
                Cell(fmt_pct(median), median),
                Cell(
                    f"{_short_link(ctx, page, best['config'])} ({fmt_pct(best['pct'])})",
                    best["pct"],
                    "rescore-text",
                ),
                Cell(
                    f"{_short_link(ctx, page, worst['config'])} ({fmt_pct(worst['pct'])})",
                    worst["pct"],
                    "rescore-text",
                ),
            ]
        )
    md.append(
        page.block(
            table(
                ["Suite", "Configs", "Mean", "Median", "Best", "Worst"],
                rows,
                numeric={1, 2, 3, 4, 5},
            )
        )
    )
    md.append("\n## Config x suite\n")
    md.append(
        page.block(chart_html(ctx, page, ch.suite_heatmap(ctx.data.suite_scores, ctx.labels)))
    )
    page.markdown = "\n".join(md)
    return page


def _short_link(ctx: Context, page: Page, config: str) -> str:
    """The model label linked to the config page, the config name as its tooltip."""
    html_link = ctx.config_link(page, config, ctx.labels.get(config, config)).html
    return f'<span title="{esc(config)}">{html_link}</span>'


def methodology(ctx: Context) -> Page:
    d = ctx.data
    page = Page("methodology.md", "Methodology")
    md = [
        "# Methodology\n",
        f"Responses were judged blind by **{md_esc(d.facts['judge'])}** (rubric "
        f"**{md_esc(d.facts['rubric_version'])}**): the judge saw the question, its reference "
        "answer, the scoring criteria and the response, never the model, role, config, file "
        "name or speed.\n",
        "## Suites\n",
    ]
    md.append(page.block(focused_table(d.suites.dicts(), SUITES_COLS)))
    md.append("\n## Thresholds\n")
    thresholds = dbt_vars(PROJECT_ROOT / "dbt" / "dbt_project.yml")
    if thresholds:
        md.append(
            "The marts apply these thresholds (dbt `vars` in `dbt/dbt_project.yml`; "
            "override with `dbt build --vars`):\n"
        )
        md.append(
            page.block(
                table(
                    ["var", "value", "meaning"],
                    [[k, Cell(esc(json.dumps(v))), c] for k, v, c in thresholds],
                )
            )
        )
    md.append("\n## Mappings\n")
    if d.thresholds:
        md.append("As the warehouse holds them (dbt seeds):\n")
        for name, t in d.thresholds.items():
            md.append(f"\n### {md_esc(name)}\n")
            md.append(page.block(generic_table(t.columns, t.rows)))
    else:
        md.append("The warehouse holds no threshold seeds.\n")
    md.append("\n## Judge agreement\n")
    t = d.marts.get("judge_agreement")
    if t is not None and len(t):
        md.append(
            "Agreement between scoring runs that scored the same responses "
            "(quadratic weighted kappa).\n"
        )
        md.append(page.block(focused_table(t.dicts(), AGREEMENT_COLS)))
    else:
        md.append("No two scoring runs scored the same responses.\n")
    md.append("\n## Warehouse\n")
    if ctx.dbt_docs:
        href = ctx.href(page, "dbt-docs/index.html", is_page=False)
        md.append(
            f"The marts and their lineage are documented in the "
            f'<a href="{esc(href)}">dbt docs of the warehouse</a>.\n'
        )
    md.append(
        "Every number on this site is read from the marts of the DuckDB warehouse; see "
        "[Downloads](downloads.md) for the data and example SQL.\n"
    )
    page.markdown = "\n".join(md)
    return page


EXAMPLE_SQL = """\
-- duckdb {warehouse}
-- the {category} leaderboard of scoring run {run}
select rank, model, role, score, max_score, round(pct, 1) as pct, round(avg_tps, 1) as avg_tps
from marts.leaderboard
where scoring_run = '{run}' and category = '{category}'
order by rank;

-- from a number down to the responses and judge reasons behind it
select r.suite, r.question_id, j.score, j.reason, r.response
from raw.responses as r
inner join raw.judgments as j on j.response_id = r.response_id
where j.scoring_run = '{run}' and r.config = '{config}'
order by r.suite, r.question_id;

-- the downloaded Parquet files work without the warehouse
select category, count(*) as configs, round(avg(pct), 1) as mean_pct
from 'leaderboard.parquet' group by category order by mean_pct desc;
"""


def downloads(ctx: Context) -> Page:
    page = Page("downloads.md", "Downloads")
    md = [
        "# Data downloads\n",
        "Every mart of the warehouse, all scoring runs, written by DuckDB `COPY` when this "
        "site was built.\n",
    ]
    rows = []
    for mart in MARTS + tuple(sorted(set(ctx.downloads) - set(MARTS))):
        info = ctx.downloads.get(mart)
        if not info:
            continue
        csv_href = ctx.href(page, f"downloads/{mart}.csv", is_page=False)
        pq_href = ctx.href(page, f"downloads/{mart}.parquet", is_page=False)
        rows.append(
            [
                f"marts.{mart}",
                Cell(str(info["rows"]), info["rows"]),
                Cell(link(csv_href, "CSV").html),
                Cell(link(pq_href, "Parquet").html),
                ", ".join(c for c, _ in ctx.data.mart_columns.get(mart, [])),
            ]
        )
    md.append(page.block(table(["Mart", "Rows", "CSV", "Parquet", "Columns"], rows, numeric={1})))
    md.append("\n## Example SQL\n")
    first = ctx.data.leaderboard[0] if ctx.data.leaderboard else {}
    sql = EXAMPLE_SQL.format(
        warehouse=ctx.data.warehouse.name,
        run=ctx.data.scoring_run,
        category=first.get("category", "draft"),
        config=first.get("config", "CONFIG"),
    )
    md.append(page.block(f'<pre><code class="language-sql">{esc(sql)}</code></pre>'))
    page.markdown = "\n".join(md)
    return page


def config_index(ctx: Context) -> Page:
    page = Page("configs/index.md", "All configs")
    scored = {r["config"]: r for r in ctx.data.leaderboard}
    rows = []
    for config in sorted(ctx.slugs):
        facts = ctx.data.configs.get(config, {})
        r = scored.get(config, {})
        n = len(ctx.data.details.get(config, []))
        rows.append(
            [
                Cell(ctx.config_link(page, config).html),
                facts.get("role"),
                facts.get("model"),
                r.get("category"),
                Cell(str(n), n),
                Cell(fmt_pct(r.get("pct")), r.get("pct")),
            ]
        )
    md = [
        "# All configs\n",
        f"{len(rows)} configs; the ones scored in {md_esc(ctx.data.scoring_run)} show their "
        "percentage.\n",
        page.block(
            table(["Config", "Role", "Model", "Category", "Responses", "Pct"], rows, numeric={4, 5})
        ),
    ]
    page.markdown = "\n".join(md)
    return page


def config_page(ctx: Context, config: str) -> Page:
    page = Page(f"configs/{ctx.slugs[config]}.md", config, in_nav=False)
    facts = ctx.data.configs.get(config, {})
    scored = [r for r in ctx.data.leaderboard if r["config"] == config]
    md = [f"# {md_esc(config)}\n"]
    fact_rows = [
        (k, facts.get(k))
        for k in (
            "role",
            "model",
            "config_name",
            "run_id",
            "model_family",
            "params_b",
            "active_params_b",
            "quant",
            "model_path",
        )
        if facts.get(k) is not None
    ]
    for r in scored:
        fact_rows.append(
            (
                "category",
                Raw(
                    link(
                        ctx.href(page, f"categories/{r['category']}.md"), _cat_title(r["category"])
                    ).html
                ),
            )
        )
        fact_rows.append(
            (
                f"score ({ctx.data.scoring_run})",
                f"{fmt_score(r['score'], r['max_score'])} = {fmt_pct(r['pct'])}, "
                f"rank {fmt_num(r.get('rank'), 0)}",
            )
        )
        fact_rows.append(("avg tokens/s", fmt_num(r.get("avg_tps"))))
        if r.get("notes"):
            fact_rows.append(("notes", r["notes"]))
    md.append(page.block(table(["", ""], [[k, v] for k, v in fact_rows])))
    suites = [s for s in ctx.data.suite_scores if s["config"] == config]
    if suites:
        md.append("\n## Per suite\n")
        md.append(
            page.block(
                table(
                    ["Suite", "Score", "Pct"],
                    [
                        [
                            s["suite"],
                            Cell(esc(fmt_score(s["score"], s["max_score"])), s["score"]),
                            Cell(fmt_pct(s["pct"]), s["pct"]),
                        ]
                        for s in suites
                    ],
                    numeric={1, 2},
                )
            )
        )
    details_list = ctx.data.details.get(config, [])
    md.append("\n## Responses\n")
    if not details_list:
        md.append("No responses of this config are in the warehouse.\n")
    parts = []
    for d in details_list:
        flags = ", ".join(f + (f" ({e})" if e else "") for f, e in d.flags) or ""
        title = f"{d.suite} / {d.question_id}"
        score = DASH_SCORE if d.score is None else f"{d.score}/3"
        cap = f" of {d.max_tokens}" if d.max_tokens else ""
        parts.append(
            '<div class="rescore-question">'
            f"<p><strong>{esc(title)}</strong>"
            f"{' — ' + esc(d.question_name) if d.question_name else ''}"
            f" &middot; score <strong>{esc(score)}</strong>"
            f" &middot; {esc(fmt_num(d.tokens_per_second))} tok/s"
            f" &middot; {esc(fmt_num(d.completion_tokens, 0))}{esc(cap)} tokens"
            f"{' &middot; speed test' if d.is_speed_test else ''}"
            f"{' &middot; not in any suite' if not d.in_suite else ''}</p>"
            f'<p class="rescore-reason">Judge: {esc(d.reason) if d.reason else "not judged"}</p>'
            + (f'<p class="rescore-flags">Flags: {esc(flags)}</p>' if flags else "")
            + details(f"Response ({len(d.response or '')} characters)", d.response)
            + "</div>"
        )
    if parts:
        md.append(page.block("".join(parts)))
    page.markdown = "\n".join(md)
    return page


DASH_SCORE = "not judged"


def spec_index(ctx: Context) -> str:
    """JSON list of chart names and titles (for tests and the SVG writer)."""
    return json.dumps([{"name": c.name, "title": c.title} for c in ctx.charts])
