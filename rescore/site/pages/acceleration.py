"""The Acceleration page: which config to deploy per role, from `marts.acceleration`.

Most of a benchmark run is acceleration experiments (MoE expert counts, speculative decoding
with a draft model drafting K tokens, prompt-lookup decoding) on one model per role. The
question a reader brings is "which config do I deploy for this role": the fastest one whose
quality holds. The page is built like every other page (toolkit tables, escaped by default,
sortable; charts through `chart_html`) from the mart's rows read with the others.

The page is the summary: the recommended config per role of the newest run. What grows with
the runs has pages of its own, out of the navigation and the search index, so no page grows
with the warehouse: one per role (of each run) with its chart and every config, one per
earlier run with its recommendations, and the listing of config names that did not parse or
link (`ReportData.config_names`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

import altair as alt

from rescore.site import charts as ch
from rescore.site.page import Context, Page, chart_html, slug
from rescore.site.toolkit import Cell, esc, fmt_delta, fmt_num, fmt_pct, link, md_esc, table

Row = dict[str, Any]


def _speedup(value: Any) -> str:
    return esc(None) if value is None else f"×{float(value):.2f}"


def _kind(row: Row) -> str:
    """A short human name of the experiment, e.g. `moe4 + spec qwen3_1_7b K16`."""
    if row.get("parse_status") != "parsed":
        return "not parsed"
    parts = []
    if row.get("experts") is not None:
        parts.append(f"moe{row['experts']}")
    if row.get("draft_k") is not None:
        draft = row.get("draft_model") or "(no draft name)"
        parts.append(f"spec {draft} K{row['draft_k']}")
    if row.get("lookup_n") is not None:
        parts.append(f"lookup N{row['lookup_n']}")
    return " + ".join(parts) or "baseline"


def _quality(row: Row) -> str:
    if row.get("quality_pct") is None:
        reason = {
            "missing_base": "no base config",
            "ambiguous_base": "ambiguous base",
        }.get(row.get("link_status") or "", "not judged")
        return f"– ({reason})"
    text = fmt_pct(row["quality_pct"])
    if row.get("quality_source") == "inherited":
        text += f" (from {row.get('base_config')})"
    return text


def tps_against_k_chart(role_rows: Sequence[Row], name: str, caption: str) -> ch.Chart | None:
    """Tokens per second against K, one line per draft model, the baseline as a rule.

    Speculative configs that also set an expert count are their own series (`draft @ moe4`)
    since their speed is not comparable with the same draft on the full model. None when the
    role has no timed speculative config.
    """
    points = [
        {
            "series": (r.get("draft_model") or "(no draft name)")
            + (f" @ moe{r['experts']}" if r.get("experts") is not None else "")
            + (f" + lookup N{r['lookup_n']}" if r.get("lookup_n") is not None else ""),
            "k": r["draft_k"],
            "tps": r["tps"],
            "config": r["config"],
            "speedup": r.get("speedup"),
            "quality": r.get("quality_pct"),
            "recommended": "yes" if r.get("is_recommended") else "no",
        }
        for r in role_rows
        if r.get("draft_k") is not None and r.get("tps") is not None
    ]
    if not points:
        return None
    baseline_tps = next(
        (r.get("baseline_tps") for r in role_rows if r.get("baseline_tps") is not None), None
    )
    datasets = {"points": points}
    if baseline_tps is not None:
        datasets["baseline"] = [{"tps": baseline_tps, "label": "baseline"}]
    template = _tps_template(tuple(sorted({p["k"] for p in points})), baseline_tps is not None)
    return ch.with_data(template, name, caption, datasets)


@functools.lru_cache(maxsize=256)
def _tps_template(ks: tuple[Any, ...], with_baseline: bool) -> str:
    """The speed chart's spec over named datasets (`points`, `baseline`), as JSON, made once
    per K axis: building a chart in Altair costs ~0.25 s (encodings, layer copies, hashing
    the inline data), and there is one chart per role and run (1,148 at 164 runs, most of
    the Acceleration pages' time), while the charts of one role differ only in their data."""
    lines = (
        alt.Chart(alt.Data(name="points"))
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "k:Q",
                title="K (tokens drafted per step)",
                axis=alt.Axis(values=list(ks)),
            ),
            y=alt.Y("tps:Q", title="tokens per second"),
            color=alt.Color("series:N", title="draft model"),
            tooltip=[
                alt.Tooltip("config:N"),
                alt.Tooltip("series:N", title="draft model"),
                alt.Tooltip("k:Q", title="K"),
                alt.Tooltip("tps:Q", format=".2f", title="tok/s"),
                alt.Tooltip("speedup:Q", format=".2f"),
                alt.Tooltip("quality:Q", format=".1f", title="quality %"),
                alt.Tooltip("recommended:N"),
            ],
        )
    )
    layers: list[alt.Chart] = [lines]
    if with_baseline:
        reference = alt.Chart(alt.Data(name="baseline"))
        layers.append(
            reference.mark_rule(strokeDash=[6, 4], color="#8c8c8c", size=2).encode(
                y="tps:Q", tooltip=[alt.Tooltip("tps:Q", format=".2f", title="baseline tok/s")]
            )
        )
        layers.append(
            reference.mark_text(align="left", dx=4, dy=-6, color="#8c8c8c").encode(
                y="tps:Q", x=alt.value(0), text="label:N"
            )
        )
    chart = alt.layer(*layers).properties(width="container", height=300)
    return json.dumps(ch.finish(chart, "", "").spec)


def _role_key(row: Row, multi_run: bool) -> str:
    return f"{row['role']} ({row['run_id']})" if multi_run else str(row["role"])


def _names_section(page: Page, names: list[Row]) -> list[str]:
    md = ["## Config names\n"]
    not_parsed = [n for n in names if n["parse_status"] != "parsed"]
    unlinked = [n for n in names if n["link_status"] in ("missing_base", "ambiguous_base")]
    md.append(
        f"{len(names)} configs in the warehouse: {len(names) - len(not_parsed)} names parsed "
        f"into their parts, {len(not_parsed)} not parsed. A name is parsed only when it is "
        "`baseline` or `[moe<E>][_spec[_draft_<draft>]_k<K>][_lookup_n<N>]`; other names are "
        "listed here, never guessed at. Speculative and lookup configs inherit the quality of "
        f"their base (same role, model and experts); {len(unlinked)} have no single base.\n"
    )
    listings = (
        (
            "Not parsed",
            not_parsed,
            ["Run", "Config", "Config name", "Why"],
            ("run_id", "config", "config_name", "parse_note"),
        ),
        (
            "Accelerated configs without a base",
            unlinked,
            ["Run", "Config", "Role", "Base needed", "Status"],
            ("run_id", "config", "role", "base_config_name", "link_status"),
        ),
    )
    for title, rows, headers, keys in listings:
        if rows:
            body = table(headers, [[r.get(k) for k in keys] for r in rows])
            md.append(
                page.block(
                    f"<details><summary>{esc(title)} ({len(rows)})</summary>{body}</details>"
                )
            )
    return md


def _caveat(row: Row) -> str:
    """What a reader must know before trusting the recommendation, from the mart's columns."""
    notes = []
    if row.get("quality_source") == "inherited":
        notes.append(f"quality inherited from {row.get('base_config')}, not measured")
    elif row.get("quality_source") is None:
        notes.append("quality not judged")
    if row.get("is_quality_held") is False:
        notes.append("quality below the baseline's")
    if row.get("tps_source") == "speed_test":
        notes.append("speed from the speed-test prompt")
    if row.get("config") == row.get("baseline_config"):
        notes.append("no accelerated config beats the baseline")
    return "; ".join(notes) or "measured on its own answers"


def role_uri(key: str) -> str:
    """The page of one role (of one run when the warehouse holds several)."""
    return f"acceleration/{slug(key)}.md"


def run_uri(run_id: Any) -> str:
    """The recommendations of an earlier run (the main page shows the newest run's)."""
    return f"acceleration/run-{slug(run_id)}.md"


NAMES_URI = "acceleration/config-names.md"


def _recommended_table(ctx: Context, page: Page, rows: list[Row], multi_run: bool) -> str:
    """The summary: one row per role's baseline config and the config the mart recommends;
    each role links to its own page (the per-role tables grow with the runs: one page each)."""
    body = [
        [
            Cell(
                link(ctx.href(page, role_uri(_role_key(r, multi_run))), r["role"]).html
                + f"<small>{esc(r.get('baseline_config'))}</small>",
                None,
                "rescore-model",  # the role on one line, its baseline config below
            ),
            r.get("model"),
            Cell(fmt_num(r.get("baseline_tps"), 2), r.get("baseline_tps")),
            r["config"],
            _kind(r),
            Cell(fmt_num(r.get("tps"), 2), r.get("tps")),
            Cell(_speedup(r.get("speedup")), r.get("speedup")),
            Cell(fmt_pct(r.get("quality_pct")), r.get("quality_pct")),
            Cell(fmt_delta(r.get("quality_delta")), r.get("quality_delta")),
            Cell(f'<span class="rescore-long">{esc(_caveat(r))}</span>'),
        ]
        for r in sorted(rows, key=lambda r: (r["role"], r["run_id"]))
    ]
    headers = [
        "Role (baseline config)",
        "Model",
        "Baseline tok/s",
        "Recommended config",
        "Experiment",
        "Tok/s",
        "Speedup",
        "Quality",
        "\u0394 quality",
        "Caveat",
    ]
    return table(headers, body, numeric={2, 5, 6, 7, 8})


def _role_table(rows: list[Row]) -> str:
    body = [
        [
            r["config"],
            _kind(r),
            Cell(fmt_num(r.get("tps"), 2), r.get("tps")),
            Cell(_speedup(r.get("speedup")), r.get("speedup")),
            Cell(esc(_quality(r)), r.get("quality_pct")),
            Cell(fmt_delta(r.get("quality_delta")), r.get("quality_delta")),
            r.get("quality_source") or "",
            Cell("<strong>recommended</strong>" if r.get("is_recommended") else ""),
        ]
        for r in rows
    ]
    headers = [
        "Config",
        "Experiment",
        "Tok/s",
        "Speedup",
        "Quality",
        "\u0394 quality",
        "Source",
        "Recommended",
    ]
    return table(headers, body, numeric={2, 3, 4, 5})


INTRO = (
    "For each role whose baseline was judged in this scoring run: every config of the role "
    "(MoE expert counts, speculative decoding with a draft model drafting K tokens, "
    "prompt-lookup decoding) with its speed against the baseline and its quality. Speed is the "
    "mean tokens per second of the config's answers, or of its speed-test record for "
    "speculative and lookup configs. Quality is the judged score as % of the maximum: measured "
    "on the config's own answers, or inherited from the config it accelerates. A speed test "
    "and a suite's answers are different prompts: read speedups as indicative.\n"
)


def acceleration(ctx: Context) -> list[Page]:
    page = Page("acceleration.md", "Acceleration", hide_toc=True)
    md = ["# Acceleration\n", f"Scoring run {md_esc(ctx.data.scoring_run)}. " + INTRO]
    if "acceleration" not in ctx.data.marts:
        md.append("The warehouse has no `marts.acceleration`: run `rescore build` first.\n")
        page.markdown = "\n".join(md)
        return [page]
    rows = sorted(
        ctx.data.rows("acceleration"),
        key=lambda r: (
            str(r["role"]),
            str(r["run_id"]),
            r.get("tps") is None,
            -(r.get("tps") or 0),
            str(r["config"]),
        ),
    )
    if not rows:
        md.append(
            "No role's baseline was judged in this scoring run, so there is nothing to "
            "compare against.\n"
        )
        page.markdown = "\n".join(md + _names_section(page, ctx.data.config_names))
        return [page]
    multi_run = len({r["run_id"] for r in rows}) > 1
    by_role: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        by_role.setdefault((r["role"], r["run_id"]), []).append(r)
    # A role with nothing but its baseline has no decision to make: it stays in the mart only.
    baseline_only = [k for k, group in by_role.items() if len(group) == 1]
    for key in baseline_only:
        del by_role[key]
    tolerance = next(
        (r["quality_tolerance"] for r in rows if r.get("quality_tolerance") is not None), None
    )
    tol_text = f"{float(tolerance):g}" if tolerance is not None else "the configured"
    runs = sorted({str(run) for (_role, run) in by_role}, reverse=True)
    newest = runs[0] if runs else None
    shown = [r for group in by_role.values() for r in group if r.get("is_recommended")]
    pages = [page]
    md.append("## Recommended config per role\n")
    md.append(
        f"The fastest config whose quality is at most {tol_text} points below the baseline's "
        f"(var `acceleration_quality_tolerance`). {len(by_role)} roles have acceleration "
        f"experiments; {len(baseline_only)} judged roles have only their baseline and are "
        "left out. Each role links to its page: every config of the role with the speed "
        "chart.\n"
    )
    if multi_run:
        md.append(
            f"Run {md_esc(newest)}, the newest of {len(runs)}; earlier runs: "
            + ", ".join(link(ctx.href(page, run_uri(r)), r).html for r in runs[1:])
            + ".\n"
        )
    md.append(
        page.block(
            _recommended_table(
                ctx, page, [r for r in shown if str(r["run_id"]) == newest], multi_run
            )
        )
    )
    md.append(
        "\nConfig names that did not parse or link: "
        f"{link(ctx.href(page, NAMES_URI), 'Config names').html}.\n"
    )
    page.markdown = "\n".join(md)
    for run in runs[1:]:
        earlier = Page(
            run_uri(run),
            f"Acceleration: run {run}",
            in_nav=False,
            hide_toc=True,
            search_exclude=True,
            from_skeleton=True,
        )
        earlier.markdown = "\n".join(
            [
                f"# Acceleration: run {md_esc(run)}\n",
                f"Recommended config per role in run {md_esc(run)} (scoring run "
                f"{md_esc(ctx.data.scoring_run)}); the newest run is on the "
                f"{link(ctx.href(earlier, 'acceleration.md'), 'Acceleration').html} page.\n",
                earlier.block(
                    _recommended_table(
                        ctx, earlier, [r for r in shown if str(r["run_id"]) == run], multi_run
                    )
                ),
            ]
        )
        pages.append(earlier)
    for (_role, run_id), role_rows in sorted(by_role.items()):
        pages.append(_role_page(ctx, role_rows, run_id, multi_run))
    names = Page(NAMES_URI, "Acceleration: config names", in_nav=False, hide_toc=True)
    names.markdown = "\n".join(
        ["# Acceleration: config names\n", *_names_section(names, ctx.data.config_names)]
    )
    pages.append(names)
    return pages


def _role_page(ctx: Context, role_rows: list[Row], run_id: Any, multi_run: bool) -> Page:
    """One role's page: its baseline, the recommendation, the speed chart and every config."""
    first = role_rows[0]
    key = _role_key(first, multi_run)
    page = Page(
        role_uri(key),
        f"Acceleration: {key}",
        in_nav=False,
        hide_toc=True,
        search_exclude=True,
        from_skeleton=True,
    )
    baseline = next((r for r in role_rows if r["config"] == r["baseline_config"]), first)
    recommended = next((r for r in role_rows if r.get("is_recommended")), None)
    md = [f"# {md_esc(key)}\n"]
    md.append(
        f"Model {md_esc(first.get('model'))}, run {md_esc(run_id)}. Baseline "
        f"{md_esc(baseline['baseline_config'])}: "
        f"{fmt_num(baseline.get('baseline_tps'), 2)} tok/s, quality "
        f"{fmt_pct(baseline.get('baseline_quality_pct'))}. "
        + (
            f"Recommended: **{md_esc(recommended['config'])}** "
            f"({md_esc(_kind(recommended))}, {_speedup(recommended.get('speedup'))}).\n"
            if recommended
            else "No config can be recommended (the baseline has no speed).\n"
        )
    )
    md.append(f"Back to {link(ctx.href(page, 'acceleration.md'), 'Acceleration').html}.\n")
    name = f"acceleration-{slug(key)}"
    caption = f"{key}: tokens per second against K per draft model"
    chart = tps_against_k_chart(role_rows, name, caption)
    inner = chart_html(ctx, page, chart) if chart is not None else ""
    md.append(
        page.block(
            f'<div class="rescore-role"><p>All {len(role_rows)} configs of {esc(key)}'
            + (" and the speed chart" if chart is not None else "")
            + f"</p>{inner}{_role_table(role_rows)}</div>"
        )
    )
    page.markdown = "\n".join(md)
    return page
