"""Page URLs and relative links between generated pages, as mkdocs lays them out."""

from __future__ import annotations

import posixpath


def page_url(src_uri: str, use_directory_urls: bool = True) -> str:
    """The URL mkdocs gives a Markdown page (relative to the site root)."""
    stem = src_uri[:-3] if src_uri.endswith(".md") else src_uri
    if not use_directory_urls:
        return stem + ".html"
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def relative(
    from_src: str, to: str, use_directory_urls: bool = True, *, is_page: bool = True
) -> str:
    """A link from page `from_src` to a page (src uri) or to an asset path."""
    here = page_url(from_src, use_directory_urls)
    base = here if here.endswith("/") or here == "" else posixpath.dirname(here) + "/"
    target = page_url(to, use_directory_urls) if is_page else to
    rel = posixpath.relpath(target or ".", base.rstrip("/") or ".")
    if is_page and use_directory_urls and not rel.endswith("/") and not rel.endswith(".html"):
        rel = rel + "/" if rel != "." else "./"
    return rel
