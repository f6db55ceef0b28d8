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
