"""HTML building blocks for generated pages, escaping by default.

Responses and judge reasons are untrusted text: a model can answer with `<script>` or
`</details>`. Everything that reaches a page goes through :func:`esc` unless it is a
:class:`Raw` value built here from escaped parts, so "forgot to escape" is not a state a page
can reach by accident. Tables are emitted as HTML (not Markdown) so nothing in a cell is ever
interpreted as Markdown either.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rescore.site.urls import page_url, relative

DASH = "\u2014"


@dataclass(frozen=True)
class Raw:
    """HTML that was built from escaped parts and may be inserted as is."""

    html: str

    def __str__(self) -> str:
        return self.html


def esc(value: Any) -> str:
    """Text of any value, HTML-escaped (quotes included); None shows as a dash."""
    if isinstance(value, Raw):
        return value.html
    if value is None:
        return DASH
    if isinstance(value, float) and math.isnan(value):
        return DASH
    return html.escape(str(value), quote=True)


_TITLE_UNSAFE = str.maketrans({"<": "\u2039", ">": "\u203a", "&": "+", '"': "'", "`": "'"})


def title_text(value: Any) -> str:
    """Text for a page title (nav, `<title>`, the header, the search index): markup
    characters replaced by look-alikes, since theme templates print titles unescaped
    (and `striptags` unescapes entities), so escaping alone cannot make a title safe."""
    return " ".join(str(value if value is not None else DASH).translate(_TITLE_UNSAFE).split())


def fmt_num(value: Any, digits: int = 1) -> str:
    """A number for display; integral floats lose their decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:.{digits}f}"


def fmt_score(score: Any, max_score: Any) -> str:
    """`175/201`, the report's way of writing a total."""
    return f"{fmt_num(score, 0)}/{fmt_num(max_score, 0)}"


def fmt_pct(pct: Any, digits: int = 1) -> str:
    if pct is None or (isinstance(pct, float) and math.isnan(pct)):
        return DASH
    return f"{float(pct):.{digits}f}%"


@dataclass(frozen=True)
class Cell:
    """One table cell: its HTML and the value the sortable table sorts it by."""

    html: str
    sort: Any = None
    css: str = ""


def cell(value: Any, *, text: str | None = None) -> Cell:
    """A cell showing `text` (or the escaped value), sorted by the raw value when numeric."""
    shown = esc(value) if text is None else html.escape(text)
    sort = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    return Cell(shown, sort)


def link(href: str, text: Any) -> Raw:
    return Raw(f'<a href="{html.escape(href, quote=True)}">{esc(text)}</a>')


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell | Any]],
    *,
    numeric: Iterable[int] = (),
    caption: str | None = None,
    css: str = "",
    row_attrs: Sequence[dict[str, Any]] | None = None,
) -> str:
    """A sortable HTML table (the site's tablesort script hooks `data-sortable`).

    `row_attrs[i]` gives row i's `data-*` attributes (escaped) for the filter bar.
    """
    numeric = set(numeric)
    out = [
        '<div class="md-typeset__scrollwrap"><div class="md-typeset__table">',
        f'<table data-sortable class="rescore-table {html.escape(css)}">',
    ]
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>")
    for i, head in enumerate(headers):
        kind = ' data-sort-type="number"' if i in numeric else ""
        out.append(f'<th scope="col"{kind}>{esc(head)}</th>')
    out.append("</tr></thead><tbody>")
    for n, row in enumerate(rows):
        attrs = row_attrs[n] if row_attrs is not None else {}
        out.append(
            "<tr"
            + "".join(
                f' data-{html.escape(k)}="{esc(v)}"' for k, v in attrs.items() if v is not None
            )
            + ">"
        )
        for value in row:
            c = value if isinstance(value, Cell) else cell(value)
            sort = "" if c.sort is None else f' data-sort="{html.escape(str(c.sort))}"'
            css_attr = f' class="{html.escape(c.css)}"' if c.css else ""
            # a newline between cells: the search index reads cell texts as separate words
            out.append(f"<td{sort}{css_attr}>{c.html}</td>\n")
        out.append("</tr>")
    out.append("</tbody></table></div></div>")
    return "".join(out)


def generic_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    linkers: dict[str, Any] | None = None,
    skip: Iterable[str] = (),
    model_link: Any = None,
) -> str:
    """Any mart as a table: every column except `skip`, numbers formatted, keys linked.

    With `model_link(model, config) -> html`, a table with both columns shows one
    "model (config)" column, as the leaderboards do.
    """
    linkers = linkers or {}
    skip = set(skip)
    merge = model_link is not None and {"model", "config"} <= set(columns) - skip
    if merge:
        skip.add("config")
        config_i = list(columns).index("config")
    keep = [i for i, c in enumerate(columns) if c not in skip]
    numeric = set()
    body = []
    for row in rows:
        cells = []
        for out_i, i in enumerate(keep):
            name, value = columns[i], row[i]
            if merge and name == "model":
                cells.append(Cell(model_link(value, row[config_i]), None, "rescore-model"))
            elif name in linkers and value is not None:
                cells.append(Cell(linkers[name](value).html))
            elif isinstance(value, float):
                numeric.add(out_i)
                digits = 3 if name in {"exact_agreement", "within_one", "weighted_kappa"} else 1
                cells.append(Cell(fmt_num(value, digits), value))
            elif isinstance(value, int) and not isinstance(value, bool):
                numeric.add(out_i)
                cells.append(Cell(str(value), value))
            else:
                cells.append(cell(value))
        body.append(cells)
    headers = [
        "Model (config)"
        if merge and columns[i] == "model"
        else columns[i].replace("_", " ").capitalize()
        for i in keep
    ]
    return table(headers, body, numeric=numeric)


def details(summary: str, body_text: str | None, *, open_: bool = False) -> str:
    """A collapsed block holding untrusted text, escaped, kept out of the search index."""
    body = esc(body_text if body_text is not None else "")
    flag = " open" if open_ else ""
    return (
        f'<details class="rescore-response" data-search-exclude{flag}>'
        f"<summary>{esc(summary)}</summary><pre>{body}</pre></details>"
    )


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#<>~])")


def md_esc(value: Any) -> str:
    """Text for a Markdown context (headings, paragraphs): HTML-escaped, Markdown-inert."""
    text = "" if value is None else str(value)
    return html.escape(
        _MD_SPECIAL.sub(r"\\\1", text).replace("\\<", "<").replace("\\>", ">"), quote=True
    )


@dataclass(frozen=True)
class Col:
    """One column of a focused mart table: the mart column, a reader's header, a format.

    Kinds: `text`, `long` (wrapping prose with a minimum width), `pct` (one decimal and %),
    `delta` (signed points), `num` (one decimal), `int`, `rate` (a 0-1 share shown as %),
    `ratio` (three decimals), `badge` (a short label styled as a badge), `short` (never
    wrapped, e.g. "39-100%").
    """

    key: str
    header: str
    kind: str = "text"


_NUMERIC_KINDS = {"pct", "delta", "num", "int", "rate", "ratio"}


def fmt_delta(value: Any, digits: int = 1) -> str:
    """A signed change in points (`-6.1`, `+12.6`), the report's Delta column."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    return f"{float(value):+.{digits}f}"


def badge(text: Any, kind: str = "") -> str:
    """A short label as a compact badge (notes, severities); escaped."""
    cls = "rescore-badge" + (
        f" rescore-badge--{html.escape(str(kind).replace(' ', '-'))}" if kind else ""
    )
    return f'<span class="{cls}">{esc(text)}</span>'


def badges(text: Any, sep: str = ",") -> str:
    """Comma-separated notes as a row of badges (never one word per line)."""
    if not text:
        return ""
    parts = [p.strip() for p in str(text).split(sep) if p.strip()]
    return '<span class="rescore-badges">' + "".join(badge(p) for p in parts) + "</span>"


def format_cell(kind: str, value: Any) -> Cell:
    """A cell of the given kind: formatted text, sorted by the raw number."""
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if kind == "pct":
        return Cell(fmt_pct(value), number)
    if kind == "delta":
        return Cell(fmt_delta(value), number)
    if kind == "num":
        return Cell(fmt_num(value), number)
    if kind == "int":
        return Cell(fmt_num(value, 0), number)
    if kind == "rate":
        return Cell(
            DASH if number is None else fmt_pct(100.0 * number, 0),
            None if number is None else number,
        )
    if kind == "ratio":
        return Cell(fmt_num(value, 3), number)
    if kind == "badge":
        return Cell(badge(value, str(value)) if value is not None else DASH)
    if kind == "short":
        return Cell(esc(value), None, "rescore-nowrap")
    if kind == "long":
        return Cell(f'<span class="rescore-long">{esc(value)}</span>')
    return cell(value)


def focused_table(
    rows: Sequence[dict[str, Any]],
    cols: Sequence[Col],
    model_cell: Any = None,
    *,
    sort_by: dict[str, str] | None = None,
) -> str:
    """A mart table with only the columns a reader needs, in their words and formats.

    Columns the mart lacks, or that are empty in every row, are left out (the contract lets
    marts gain columns; tests use a smaller fixture). Col key `model` renders through
    `model_cell(row) -> html` when given, which shows "model (config)" linked to the config
    page. `sort_by` maps a column to the row key its cells sort by (e.g. severity by the
    mart's `severity_rank`, so "critical" sorts before "moderate", not alphabetically).
    """
    sort_by = sort_by or {}
    present = {k for row in rows for k, v in row.items() if v is not None}  # all-null: dropped
    keep = [c for c in cols if c.key in present or (c.key == "model" and model_cell)]
    numeric = {i for i, c in enumerate(keep) if c.kind in _NUMERIC_KINDS or c.key in sort_by}
    body = []
    for row in rows:
        cells = []
        for c in keep:
            if c.key == "model" and model_cell is not None:
                one = Cell(model_cell(row), None, "rescore-model")
            else:
                one = format_cell(c.kind, row.get(c.key))
            if c.key in sort_by:
                css = one.css if c.kind in _NUMERIC_KINDS else f"{one.css} rescore-text".strip()
                one = Cell(one.html, row.get(sort_by[c.key]), css)
            cells.append(one)
        body.append(cells)
    return table([c.header for c in keep], body, numeric=numeric)


__all__ = ["page_url", "relative"]  # re-exported: links live in rescore.site.urls
