"""The page toolkit on its own: escaping, links, formatting, the Pareto fallback (no dbt)."""

from __future__ import annotations

import pytest

from rescore.site.toolkit import esc, fmt_pct, md_esc, page_url, relative


@pytest.mark.parametrize(
    ("text", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script>"),
        ("</details><b>x</b>", "</details>"),
        ('" onmouseover="x', '"'),
    ],
)
def test_esc_makes_markup_inert(text: str, forbidden: str) -> None:
    assert forbidden not in esc(text)


def test_md_esc_neutralises_markdown_and_html() -> None:
    out = md_esc("[x](javascript:alert(1)) **b** <i>")
    assert "<i>" not in out and "](" not in out and "**" not in out


@pytest.mark.parametrize(
    ("src", "to", "expected"),
    [
        ("index.md", "categories/draft.md", "categories/draft/"),
        ("categories/draft.md", "configs/a.md", "../../configs/a/"),
        ("configs/a.md", "index.md", "../../"),
        ("configs/index.md", "configs/a.md", "a/"),
    ],
)
def test_relative_links_between_pages(src: str, to: str, expected: str) -> None:
    assert relative(src, to) == expected


def test_page_url_without_directory_urls() -> None:
    assert page_url("configs/a.md", use_directory_urls=False) == "configs/a.html"
    assert relative("categories/x.md", "configs/a.md", False) == "../configs/a.html"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(6.25, "6.2%"), (6.35, "6.3%"), (None, "\u2014"), (100, "100.0%"), (0, "0.0%")],
)
def test_one_percent_format(value, shown: str) -> None:
    """Every percentage on the site goes through fmt_pct (round half to even, one decimal)."""
    assert fmt_pct(value) == shown


def test_sitemap_lists_every_page_under_one_listed_prefix() -> None:
    """What material's version selector needs (rescore.site.sitemap): absolute locs whose
    common prefix (the home page) is itself listed; names are escaped."""
    import xml.etree.ElementTree as ET

    from rescore.site.sitemap import PLACEHOLDER_ORIGIN, sitemap_xml

    text = sitemap_xml(["configs/a&b/", "questions/math/q1/", "configs/a&b/", "top/"])
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in ET.fromstring(text).findall("s:url/s:loc", ns)]
    assert locs[0] == PLACEHOLDER_ORIGIN  # home first, even when not given
    assert len(locs) == len(set(locs)) == 4
    assert f"{PLACEHOLDER_ORIGIN}configs/a&b/" in locs
    prefix = locs[0]
    assert all(loc.startswith(prefix) for loc in locs)
