"""Static chart SVGs: one chart the renderer cannot draw does not take the others down."""

from __future__ import annotations

import json
from dataclasses import dataclass

import vl_convert

from rescore.site.build import render_svgs

SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "data": {"values": [{"x": 1, "y": 2}, {"x": 2, "y": 3}]},
    "mark": "point",
    "encoding": {
        "x": {"field": "x", "type": "quantitative"},
        "y": {"field": "y", "type": "quantitative"},
    },
}


@dataclass
class FakeChart:
    name: str
    spec: dict

    def static_spec_json(self) -> str:
        return json.dumps(self.spec)


def test_a_chart_the_renderer_fails_on_gets_a_placeholder_and_the_rest_render(monkeypatch):
    real = vl_convert.vegalite_to_svg

    def flaky(spec_json: str, *args, **kwargs) -> str:
        if '"too-big"' in spec_json:
            raise ValueError("Vega-Lite to SVG conversion failed:\nRangeError: Maximum call stack")
        return real(spec_json, *args, **kwargs)

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", flaky)
    bad = FakeChart("<b>heat</b>", {**SPEC, "description": "too-big"})
    good = FakeChart("fine", SPEC)
    svgs = render_svgs([bad, good])
    assert "<circle" in svgs["fine"] or "<path" in svgs["fine"]
    assert "Maximum call stack" in svgs[bad.name]
    assert "<b>" not in svgs[bad.name] and "&lt;b&gt;heat" in svgs[bad.name]
    assert svgs[bad.name].startswith("<svg")


def test_cached_svgs_are_drawn_once_and_a_changed_or_failed_chart_is_drawn_again(
    monkeypatch, tmp_path
):
    real = vl_convert.vegalite_to_svg
    drawn: list[str] = []

    def counting(spec_json: str, *args, **kwargs) -> str:
        drawn.append(spec_json)
        if '"too-big"' in spec_json:
            raise ValueError("Vega-Lite to SVG conversion failed:\nRangeError: too big")
        return real(spec_json, *args, **kwargs)

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", counting)
    cache = tmp_path / "svgs"
    charts = [FakeChart("a", SPEC), FakeChart("bad", {**SPEC, "description": "too-big"})]
    first = render_svgs(charts, cache)
    assert len(drawn) == 2
    second = render_svgs(charts, cache)
    assert second == first
    assert len(drawn) == 3  # "a" came from the cache; the failed one was drawn again
    assert "too big" in second["bad"]
    changed = {**SPEC, "mark": "bar"}
    third = render_svgs([FakeChart("a", changed)], cache)
    assert len(drawn) == 4 and third["a"] != first["a"]
    assert len(list(cache.glob("*/*.svg"))) == 2  # both specs of "a", not the failure


def test_svgs_no_build_used_for_a_week_are_pruned(tmp_path):
    import os
    import time

    from rescore.site.build import prune_svgs

    render_svgs([FakeChart("a", SPEC)], tmp_path)
    (kept,) = tmp_path.glob("*/*.svg")
    stale = kept.parent / ("0" * 64 + ".svg")
    stale.write_text("<svg/>", encoding="utf-8")
    week_ago = time.time() - 8 * 86400
    os.utime(stale, (week_ago, week_ago))
    assert prune_svgs(tmp_path) == 1
    assert kept.exists() and not stale.exists()
