"""Altair charts of the report, as Vega-Lite specs plus a static SVG of each.

The specs are rendered in the browser by vega-embed from the bundle the site serves itself
(`assets/vendor/vega-bundle.js`, no CDN); `assets/rescore.js` re-renders them with the dark
theme when the reader switches the palette, which is why specs carry a transparent background
and no colours tied to one palette. The SVG (light palette) is for readers without JavaScript.
Data is passed as inline values (no pandas needed).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import altair as alt

ROW_PX = 16


@dataclass(frozen=True)
class Chart:
    """One chart: a file-safe name, a caption and its Vega-Lite spec."""

    name: str
    title: str
    spec: dict[str, Any]

    def spec_json(self) -> str:
        return json.dumps(self.spec, separators=(",", ":"), default=str)

    def static_spec_json(self, width: int = 640) -> str:
        """The spec with a fixed width, since an SVG has no container to fill."""
        spec = copy.deepcopy(self.spec)
        _fix_width(spec, width)
        # vl-convert truncates long axis labels by measuring them over and over (seconds for
        # a 150-row axis); the static SVG shows them whole instead.
        spec.setdefault("config", {}).setdefault("axis", {})["labelLimit"] = 0
        return json.dumps(spec, separators=(",", ":"), default=str)


def _fix_width(spec: dict[str, Any], width: int) -> None:
    if spec.get("width") == "container":
        spec["width"] = width
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for sub in spec.get(key, []) or []:
            _fix_width(sub, width)


def _plain(value: Any) -> Any:
    """JSON-native values: DuckDB DECIMAL sums arrive as Decimal, Vega needs numbers."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


ROWS = "rows"  # the named dataset a chart's rows go in (`finish`)


def finish(
    chart: alt.TopLevelMixin, name: str, title: str, rows: list[dict[str, Any]] | None = None
) -> Chart:
    """The spec with the site's chart defaults (transparent, no frame), as plain JSON values.

    Altair's JSON-schema validation took ~2.4 s of a ~10 s real-run generate step (433
    validations for ~36 charts); the chart code is fixed, and tests validate every spec
    (`validate_spec`), so the build skips it. A chart is drawn over the named dataset ROWS,
    and `rows` go into the spec's `datasets` after Altair made it: Altair walks and hashes
    inline values item by item (the suite heatmap's config x suite cells: 6.7 s of a 30x
    site build), and needs none of them to make the spec."""
    spec = (
        chart.configure(background="transparent")
        .configure_view(stroke=None)
        .to_dict(validate=False)
    )
    spec = _plain(spec)
    if rows is not None:
        spec.setdefault("datasets", {})[ROWS] = _plain(rows)
    return Chart(name=name, title=title, spec=spec)


def with_data(template: str, name: str, title: str, datasets: dict[str, list[Any]]) -> Chart:
    """A chart from a spec made once (`template`, JSON over named data) and this chart's
    rows (`datasets`, by name), its title as the spec's description: charts that differ only
    in their data are built in Altair once."""
    spec = json.loads(template)
    spec["description"] = title
    spec["datasets"] = _plain(datasets)
    return Chart(name=name, title=title, spec=spec)


def validate_spec(spec: dict[str, Any]) -> None:
    """Raise when `spec` is not valid Vega-Lite (tests call this on every chart the site makes)."""
    alt.Chart.from_dict(spec, validate=True)


def label_for(row: dict[str, Any], duplicated: set[str]) -> str:
    """The model name, with the role when the model appears under more than one role."""
    model = row.get("model") or row.get("config")
    if model in duplicated:
        return f"{model} ({row.get('role')})"
    return str(model)


def unique_labels(rows: Sequence[dict[str, Any]], labels: dict[str, str]) -> dict[str, str]:
    """One axis label per config: the model label, or "model (config)" when configs share it.

    A chart's band axis groups marks by label, so two configs of one model under one role
    (e.g. a baseline and an MoE variant) would otherwise stack into a single bar.
    """
    base = {
        str(r["config"]): labels.get(str(r["config"]), str(r.get("model") or r["config"]))
        for r in rows
        if r.get("config") is not None
    }
    counts: dict[str, int] = {}
    for label in base.values():
        counts[label] = counts.get(label, 0) + 1
    models = {
        str(r["config"]): str(r.get("model") or r["config"])
        for r in rows
        if r.get("config") is not None
    }
    return {c: (f"{models[c]} ({c})" if counts[label] > 1 else label) for c, label in base.items()}


def leaderboard_bars(category: str, rows: Sequence[dict[str, Any]], duplicated: set[str]) -> Chart:
    """One bar per config in the mart's rank order, with its 95% interval as an error bar
    (`pct_ci_low`-`pct_ci_high` from marts.leaderboard; nothing drawn where the mart has none)."""
    axis = unique_labels(rows, {str(r["config"]): label_for(r, duplicated) for r in rows})
    values = [
        {
            "label": axis[str(r["config"])],
            "config": r["config"],
            "pct": r["pct"],
            "pct_ci_low": r.get("pct_ci_low"),
            "pct_ci_high": r.get("pct_ci_high"),
            "score": r["score"],
            "max_score": r["max_score"],
            "avg_tps": r.get("avg_tps"),
            "role": r.get("role"),
        }
        for r in rows
    ]
    order = [v["label"] for v in values]  # the leaderboard's rank, not a re-sort here
    y = alt.Y("label:N", sort=order, title=None)
    base = alt.Chart(alt.Data(name=ROWS))
    bars = base.mark_bar().encode(
        x=alt.X("pct:Q", title="score (% of max)", scale=alt.Scale(domain=[0, 100])),
        y=y,
        color=alt.Color("pct:Q", scale=alt.Scale(scheme="viridis", domain=[0, 100]), legend=None),
        tooltip=[
            alt.Tooltip("label:N", title="model"),
            alt.Tooltip("config:N"),
            alt.Tooltip("role:N"),
            alt.Tooltip("score:Q"),
            alt.Tooltip("max_score:Q", title="max"),
            alt.Tooltip("pct:Q", format=".1f"),
            alt.Tooltip("pct_ci_low:Q", format=".1f", title="95% low"),
            alt.Tooltip("pct_ci_high:Q", format=".1f", title="95% high"),
            alt.Tooltip("avg_tps:Q", format=".1f", title="avg tok/s"),
        ],
    )
    errors = (
        base.transform_filter("isValid(datum.pct_ci_low) && isValid(datum.pct_ci_high)")
        .mark_rule(color="#333333", strokeWidth=1.5)
        .encode(x="pct_ci_low:Q", x2="pct_ci_high:Q", y=y)
    )
    chart = (bars + errors).properties(width="container", height=max(60, ROW_PX * len(values)))
    return finish(chart, f"leaderboard-{category}", f"{category}: score per config", values)


def quality_vs_speed(rows: Sequence[dict[str, Any]], duplicated: set[str]) -> Chart | None:
    """Quality against token-weighted speed; the front is `marts.leaderboard.is_pareto`, which
    dbt computes on exactly these two axes (pct x weighted_tps), so the chart draws, not decides."""
    usable = [r for r in rows if r.get("weighted_tps") is not None and r.get("pct") is not None]
    if not usable:
        return None
    values = [
        {
            "label": label_for(r, duplicated),
            "config": r["config"],
            "pct": r["pct"],
            "weighted_tps": r["weighted_tps"],
            "pareto": "Pareto front" if r.get("is_pareto") else "dominated",
        }
        for r in usable
    ]
    base = alt.Chart(alt.Data(name=ROWS))
    tooltip = [
        alt.Tooltip("label:N", title="model"),
        alt.Tooltip("config:N"),
        alt.Tooltip("pct:Q", format=".1f"),
        alt.Tooltip("weighted_tps:Q", format=".1f", title="tok/s (token-weighted)"),
        alt.Tooltip("pareto:N", title=""),
    ]
    points = base.mark_point(filled=True, size=80).encode(
        x=alt.X("weighted_tps:Q", title="tokens per second (token-weighted)"),
        y=alt.Y("pct:Q", title="score (% of max)", scale=alt.Scale(zero=False)),
        color=alt.Color(
            "pareto:N",
            title=None,
            scale=alt.Scale(domain=["Pareto front", "dominated"], range=["#e4572e", "#8c8c8c"]),
        ),
        shape=alt.Shape("pareto:N", legend=None),
        tooltip=tooltip,
    )
    line = (
        base.transform_filter(alt.datum.pareto == "Pareto front")
        .mark_line(strokeDash=[4, 3], color="#e4572e")
        .encode(x="weighted_tps:Q", y="pct:Q", order="weighted_tps:Q")
    )
    chart = (line + points).properties(width="container", height=320)
    return finish(chart, "draft-quality-vs-speed", "Draft models: quality against speed", values)


def suite_heatmap(suite_scores: Sequence[dict[str, Any]], labels: dict[str, str]) -> Chart | None:
    if not suite_scores:
        return None
    values = [
        {
            "config": s["config"],
            "label": labels.get(s["config"], s["config"]),
            "suite": s["suite"],
            "pct": s["pct"],
            "score": s["score"],
            "max_score": s["max_score"],
        }
        for s in suite_scores
    ]
    configs = sorted({v["config"] for v in values})
    chart = (
        alt.Chart(alt.Data(name=ROWS))
        .mark_rect()
        .encode(
            x=alt.X("suite:N", title=None, axis=alt.Axis(orient="top", labelAngle=-30)),
            y=alt.Y("config:N", title=None),
            color=alt.Color("pct:Q", title="%", scale=alt.Scale(scheme="viridis", domain=[0, 100])),
            tooltip=[
                alt.Tooltip("config:N"),
                alt.Tooltip("label:N", title="model"),
                alt.Tooltip("suite:N"),
                alt.Tooltip("score:Q"),
                alt.Tooltip("max_score:Q", title="max"),
                alt.Tooltip("pct:Q", format=".1f"),
            ],
        )
        .properties(width="container", height=max(60, ROW_PX * len(configs)))
    )
    return finish(chart, "suite-heatmap", "Score per config and suite", values)


HEALTH_RATES = (("truncated_rate", "truncated"), ("degenerate_rate", "degenerate"))


def health_rates(leaderboard: Sequence[dict[str, Any]], labels: dict[str, str]) -> Chart | None:
    """Truncation and degeneration rate per scored config: the leaderboard's own rate columns
    (the same numbers as its notes and the critical issues table), never recounted here."""
    values = []
    for r in sorted(leaderboard, key=lambda r: str(r["config"])):
        for column, flag in HEALTH_RATES:
            rate = r.get(column)
            if rate:
                values.append(
                    {
                        "config": r["config"],
                        "label": labels.get(r["config"], r["config"]),
                        "flag": flag,
                        "rate": 100.0 * float(rate),
                        "responses": r.get("responses"),
                    }
                )
    if not values:
        return None
    n = len({v["config"] for v in values})
    chart = (
        alt.Chart(alt.Data(name=ROWS))
        .mark_bar()
        .encode(
            x=alt.X(
                "rate:Q", title="% of the config's responses", scale=alt.Scale(domain=[0, 100])
            ),
            y=alt.Y("config:N", title=None, sort="-x"),
            yOffset="flag:N",
            color=alt.Color(
                "flag:N",
                title=None,
                scale=alt.Scale(domain=["truncated", "degenerate"], range=["#f0a202", "#c2185b"]),
            ),
            tooltip=[
                alt.Tooltip("config:N"),
                alt.Tooltip("label:N", title="model"),
                alt.Tooltip("flag:N"),
                alt.Tooltip("responses:Q"),
                alt.Tooltip("rate:Q", format=".1f"),
            ],
        )
        .properties(width="container", height=max(60, 2 * ROW_PX * n))
    )
    return finish(chart, "health-rates", "Truncation and degeneration rates", values)
