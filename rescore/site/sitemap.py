"""The sitemap the version selector reads, also when no `site_url` is set.

How mkdocs-material (9.x, `integrations/version`) keeps the reader's page on a version
switch: it fetches `<other version>/sitemap.xml`, takes the longest common prefix of every
`<loc>` (which must itself be listed: the home page), resolves the current page's path
(relative to the current version's base) against that prefix, and goes to the same path in
the other version only when the result is listed; otherwise it lands on the version's home.
Each `<loc>` is parsed with `new URL(...)`, so it must be absolute; protocol and hostname are
replaced by the browser's, so the host itself never matters, only the paths.

mkdocs' own sitemap template writes a `<loc>` only for pages with a canonical URL, i.e. only
when `site_url` is set: without it the sitemap is empty and every switch lands on the home
page. Then this module writes the sitemap instead, every page of the build (config and
question pages too, which are out of the navigation but in the site) under a reserved
`.invalid` origin (RFC 2606: never a real host), which is all the selector needs.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

PLACEHOLDER_ORIGIN = "https://site-url-not-set.invalid/"


def sitemap_xml(page_urls: Iterable[str], origin: str = PLACEHOLDER_ORIGIN) -> str:
    """A sitemap of the pages at `page_urls` (mkdocs' `page.url`: '' for home, 'a/b/')."""
    urls = sorted(set(page_urls) | {""}, key=lambda u: (u != "", u))  # home first, listed
    body = "".join(f"    <url><loc>{escape(origin + u)}</loc></url>\n" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{body}</urlset>\n"
    )


def write_sitemap(
    site_dir: Path, page_urls: Iterable[str], origin: str = PLACEHOLDER_ORIGIN
) -> None:
    """Replace mkdocs' sitemap.xml (and .gz) with one listing every page, the streamed ones
    (written outside mkdocs, rescore.site.render) included."""
    origin = origin if origin.endswith("/") else origin + "/"
    text = sitemap_xml(page_urls, origin).encode("utf-8")
    (site_dir / "sitemap.xml").write_bytes(text)
    (site_dir / "sitemap.xml.gz").write_bytes(gzip.compress(text, mtime=0))
