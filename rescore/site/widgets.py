"""Interactive bits shared by pages: the table filter bar (assets/rescore.js drives it).

Filtering is client-side over data attributes the toolkit tables carry, so it works offline
and on a static host. The attributes are written escaped like any other text.
"""

from __future__ import annotations

from collections.abc import Iterable

from rescore.site.toolkit import esc


def filter_bar(
    *,
    families: Iterable[str] = (),
    quants: Iterable[str] = (),
    variants: bool = False,
    coverage: bool = False,
    size: bool = False,
    scores: bool = False,
) -> str:
    """A filter bar for the next `.rescore-filterable` table: free text always; the others
    when the rows carry the matching data attribute (data-family, data-quant, data-variant,
    data-ranked, data-size, data-score)."""
    parts = [
        '<div class="rescore-filters" role="search">',
        '<input type="search" class="rescore-filter-text" placeholder="Filter rows'
        '\u2026" aria-label="Filter rows">',
    ]
    if variants:
        parts.append(
            '<label><input type="checkbox" class="rescore-filter-variants"> hide variants '
            "(MoE/speculative/lookup)</label>"
        )
    if coverage:
        parts.append(
            '<label><input type="checkbox" class="rescore-filter-ranked"> hide rows below the '
            "coverage rule</label>"
        )
    for name, values in (("family", families), ("quant", quants)):
        values = sorted(set(v for v in values if v))
        if values:
            options = "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in values)
            parts.append(
                f'<select class="rescore-filter-{name}" aria-label="{name}">'
                f'<option value="">any {name}</option>{options}</select>'
            )
    if size:
        parts.append(
            '<label>size (B) <input type="number" class="rescore-filter-size-min" min="0" '
            'step="any" placeholder="min"> \u2013 <input type="number" '
            'class="rescore-filter-size-max" min="0" step="any" placeholder="max"></label>'
        )
    if scores:
        parts.append(
            '<select class="rescore-filter-score" aria-label="score">'
            '<option value="">any score</option>'
            + "".join(f'<option value="{s}">score {s}</option>' for s in (3, 2, 1, 0))
            + '<option value="none">not judged</option></select>'
        )
    parts.append('<span class="rescore-filter-count" aria-live="polite"></span></div>')
    return "".join(parts)
