"""The "Acceleration" page: which config to deploy per role, from `marts.acceleration`.

Most of a benchmark run is acceleration experiments (MoE expert counts, speculative decoding
with a draft model drafting K tokens, prompt-lookup decoding) on one model per role. The
question a reader brings is "which config do I deploy for this role": the fastest one whose
quality holds. This module turns the mart into that page; it knows nothing about mkdocs.

How to call it (the site generator's side of the contract)::

    from rescore.report.acceleration import acceleration_page, fill_charts, CHART_PLACEHOLDER

    markdown, charts = acceleration_page(con, scoring_run)
    # con: a DuckDB connection (read-only is enough) to a warehouse `rescore build` has built.
    # markdown: str, the whole page (starts with "# Acceleration"), pipe tables and <details>.
    #   Each chart sits on a line of its own as CHART_PLACEHOLDER.format(name=NAME), i.e.
    #   `<!-- rescore-chart: NAME -->` (an HTML comment: harmless if left unreplaced).
    # charts: dict[str, dict], NAME -> Vega-Lite spec (Altair `chart.to_json()`, parsed), in
    #   page order. NAME is file-safe (`acceleration-<role>`); spec["description"] is the
    #   caption. Specs have width "container" and a transparent background, like charts.py.
    page = fill_charts(markdown, lambda name: my_chart_html(name, charts[name]))

The page shows the roles with at least one experiment besides the baseline (the mart keeps
all judged roles). `acceleration_page` never raises on missing data: without the mart (build
not run) or with no role judged in the scoring run, the page says so and `charts` is empty.
Pieces are public for tests and reuse: `load_rows` (mart rows as dicts), `load_config_names`
(parse/link listing), `recommended_rows`, `tps_against_k_chart`.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import altair as alt
import duckdb

CHART_PLACEHOLDER = "<!-- rescore-chart: {name} -->"
_PLACEHOLDER_RE = re.compile(r"<!-- rescore-chart: ([A-Za-z0-9_.-]+) -->")

MART = "marts.acceleration"
LINKED = "intermediate.int_configs_linked"

Row = dict[str, Any]


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[Row]:
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]


def _has_relation(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, _, name = qualified.partition(".")
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(found and found[0])


def load_rows(con: duckdb.DuckDBPyConnection, scoring_run: str) -> list[Row]:
    """The mart's rows of one scoring run, per role fastest first (configs without tps last)."""
    return _dicts(
        con.execute(
            f"select * from {MART} where scoring_run = ? "
            "order by role, run_id, tps desc nulls last, config",
            [scoring_run],
        )
    )


def load_config_names(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Every config with how its name parsed and linked (the listing behind the page's counts)."""
    return _dicts(
        con.execute(
            f"select run_id, config, role, config_name, parse_status, parse_note, link_status, "
            f"base_config_name from {LINKED} order by run_id, config"
        )
    )


def recommended_rows(rows: Iterable[Row]) -> list[Row]:
    """The recommended config of each role, in role order."""
    return sorted(
        (r for r in rows if r.get("is_recommended")), key=lambda r: (r["role"], r["run_id"])
    )


# ---------------------------------------------------------------------------- formatting


def _code(value: Any) -> str:
    if value is None or value == "":
        return ""
    return "`" + str(value).replace("`", "'") + "`"


def _name(value: Any) -> str:
    """A config or model name for a table cell: plain escaped text that may wrap after `_`
    (long names in `code` would wrap letter by letter in a narrow column)."""
    if value is None or value == "":
        return ""
    return html.escape(str(value)).replace("_", "_<wbr>").replace("-", "-<wbr>")


def _num(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    return f"{float(value):.{digits}f}"


def _speedup(value: Any) -> str:
    return "–" if value is None else f"×{float(value):.2f}"


def _delta(value: Any) -> str:
    if value is None:
        return "–"
    value = float(value)
    if abs(value) < 0.05:
        return "±0.0"
    return f"{value:+.1f}"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], right: Iterable[int] = ()) -> str:
    right = set(right)
    out = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join("---:" if i in right else "---" for i in range(len(headers))) + " |",
    ]
    out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(out)


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
    text = _num(row["quality_pct"], 1)
    if row.get("quality_source") == "inherited":
        text += f" (from {_name(row.get('base_config'))})"
    return text


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-")


def _role_key(row: Row, multi_run: bool) -> str:
    return f"{row['role']} ({row['run_id']})" if multi_run else str(row["role"])


# ---------------------------------------------------------------------------- chart


def tps_against_k_chart(role_rows: Sequence[Row], name: str, caption: str) -> dict | None:
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
    lines = (
        alt.Chart(alt.Data(values=points))
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "k:Q",
                title="K (tokens drafted per step)",
                axis=alt.Axis(values=sorted({p["k"] for p in points})),
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
    if baseline_tps is not None:
        reference = alt.Chart(alt.Data(values=[{"tps": baseline_tps, "label": "baseline"}]))
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
    chart = (
        alt.layer(*layers)
        .properties(width="container", height=300, description=caption)
        .configure(background="transparent")
        .configure_view(stroke=None)
    )
    return json.loads(chart.to_json())


# ---------------------------------------------------------------------------- page


def _missing_mart_page(scoring_run: str) -> str:
    return (
        "# Acceleration\n\n"
        f"No acceleration data for scoring run `{scoring_run}`: the table `{MART}` is not in "
        "the warehouse. Run `rescore build` first.\n"
    )


def _names_section(names: list[Row]) -> list[str]:
    md = ["## Config names", ""]
    not_parsed = [n for n in names if n["parse_status"] != "parsed"]
    unlinked = [n for n in names if n["link_status"] in ("missing_base", "ambiguous_base")]
    md.append(
        f"{len(names)} configs in the warehouse: {len(names) - len(not_parsed)} names parsed "
        f"into their parts, {len(not_parsed)} not parsed. A name is parsed only when it is "
        "`baseline` or `[moe<E>][_spec[_draft_<draft>]_k<K>][_lookup_n<N>]`; other names are "
        "listed here, never guessed at. Speculative and lookup configs inherit the quality of "
        f"their base (same role, model and experts); {len(unlinked)} have no single base."
    )
    md.append("")
    if not_parsed:
        md.append(f'<details markdown="1"><summary>Not parsed ({len(not_parsed)})</summary>\n')
        md.append(
            _table(
                ["run", "config", "config_name", "why"],
                [
                    (
                        n["run_id"],
                        _name(n["config"]),
                        _name(n["config_name"]),
                        n["parse_note"] or "",
                    )
                    for n in not_parsed
                ],
            )
        )
        md.append("\n</details>\n")
    if unlinked:
        md.append(
            f'<details markdown="1"><summary>Accelerated configs without a base '
            f"({len(unlinked)})</summary>\n"
        )
        md.append(
            _table(
                ["run", "config", "role", "base needed", "status"],
                [
                    (
                        n["run_id"],
                        _name(n["config"]),
                        _name(n["role"]),
                        _name(n["base_config_name"]),
                        n["link_status"],
                    )
                    for n in unlinked
                ],
            )
        )
        md.append("\n</details>\n")
    return md


def acceleration_page(
    con: duckdb.DuckDBPyConnection, scoring_run: str
) -> tuple[str, dict[str, dict]]:
    """The page's Markdown (charts as placeholders) and the chart specs by name (see module doc)."""
    if not _has_relation(con, MART):
        return _missing_mart_page(scoring_run), {}
    rows = load_rows(con, scoring_run)
    names = load_config_names(con) if _has_relation(con, LINKED) else []
    charts: dict[str, dict] = {}
    multi_run = len({r["run_id"] for r in rows}) > 1
    tolerance = next(
        (r["quality_tolerance"] for r in rows if r.get("quality_tolerance") is not None), None
    )

    md = ["# Acceleration", ""]
    md.append(
        f"Scoring run `{scoring_run}`. For each role whose baseline was judged in this scoring "
        "run: every config of the role (MoE expert counts, speculative decoding with a draft "
        "model drafting K tokens, prompt-lookup decoding) with its speed against the baseline "
        "and its quality. Speed is the mean tokens per second of the config's answers, or of "
        "its speed-test record for speculative and lookup configs. Quality is the judged score "
        "as % of the maximum: measured on the config's own answers, or inherited from the "
        "config it accelerates (speculative and lookup decoding are meant not to change the "
        "output of the model, and these configs answered only a speed test). A speed test "
        "and a suite's answers are different prompts: read speedups as indicative."
    )
    md.append("")
    if not rows:
        md.append(
            "No role's baseline was judged in this scoring run, so there is nothing to "
            "compare against."
        )
        md.append("")
        md += _names_section(names)
        return "\n".join(md) + "\n", charts

    by_role: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        by_role.setdefault((r["role"], r["run_id"]), []).append(r)
    # A role with nothing but its baseline has no decision to make: it stays in the mart only.
    baseline_only = [k for k, group in by_role.items() if len(group) == 1]
    for key in baseline_only:
        del by_role[key]
    shown = [r for group in by_role.values() for r in group]

    tol_text = f"{float(tolerance):g}" if tolerance is not None else "the configured"
    md.append("## Recommended config per role")
    md.append("")
    md.append(
        f"The fastest config whose quality is at most {tol_text} points below the baseline's "
        f"(var `acceleration_quality_tolerance`). {len(by_role)} roles have acceleration "
        f"experiments; {len(baseline_only)} judged roles have only their baseline and are "
        "left out."
    )
    md.append("")
    md.append(
        _table(
            [
                "role",
                "model",
                "recommended config",
                "experiment",
                "tok/s",
                "baseline tok/s",
                "speedup",
                "quality %",
                "Δ quality",
                "quality",
            ],
            [
                (
                    f"[{r['role']}](#{_slug(_role_key(r, multi_run))})",
                    _name(r.get("model")),
                    _name(r["config"]),
                    _kind(r),
                    _num(r["tps"]),
                    _num(r.get("baseline_tps")),
                    _speedup(r.get("speedup")),
                    _num(r.get("quality_pct"), 1),
                    _delta(r.get("quality_delta")),
                    r.get("quality_source") or "",
                )
                for r in recommended_rows(shown)
            ],
            right=(4, 5, 6, 7, 8),
        )
    )
    md.append("")

    md.append("## Per role")
    md.append("")
    for (_role, run_id), role_rows in sorted(by_role.items()):
        first = role_rows[0]
        key = _role_key(first, multi_run)
        baseline = next((r for r in role_rows if r["config"] == r["baseline_config"]), first)
        recommended = next((r for r in role_rows if r.get("is_recommended")), None)
        md.append(f"### {key}")
        md.append("")
        md.append(
            f"Model {_code(first.get('model'))}, run `{run_id}`. Baseline "
            f"{_code(baseline['baseline_config'])}: {_num(baseline.get('baseline_tps'))} tok/s, "
            f"quality {_num(baseline.get('baseline_quality_pct'), 1)}%. "
            + (
                f"Recommended: **{_code(recommended['config'])}** ({_kind(recommended)}, "
                f"{_speedup(recommended.get('speedup'))})."
                if recommended
                else "No config can be recommended (the baseline has no speed)."
            )
        )
        md.append("")
        name = f"acceleration-{_slug(key)}"
        spec = tps_against_k_chart(
            role_rows, name, f"{key}: tokens per second against K per draft model"
        )
        if spec is not None:
            charts[name] = spec
            md.append(CHART_PLACEHOLDER.format(name=name))
            md.append("")
        md.append(
            _table(
                [
                    "config",
                    "experiment",
                    "tok/s",
                    "speedup",
                    "quality %",
                    "Δ quality",
                    "source",
                    "recommended",
                ],
                [
                    (
                        _name(r["config"]),
                        _kind(r),
                        _num(r.get("tps")),
                        _speedup(r.get("speedup")),
                        _quality(r),
                        _delta(r.get("quality_delta")),
                        r.get("quality_source") or "",
                        "**recommended**" if r.get("is_recommended") else "",
                    )
                    for r in role_rows
                ],
                right=(2, 3, 5),
            )
        )
        md.append("")
    md += _names_section(names)
    return "\n".join(md) + "\n", charts


def fill_charts(markdown: str, render: Callable[[str], str]) -> str:
    """Replace each chart placeholder with `render(name)` (e.g. the site's chart HTML)."""
    return _PLACEHOLDER_RE.sub(lambda m: render(m.group(1)), markdown)
