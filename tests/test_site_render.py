"""Streamed pages rendered outside mkdocs (rescore.site.render): into their skeleton, escaped,
and from the page cache when nothing they are made of changed."""

from __future__ import annotations

import re
from pathlib import Path

import markdown
import pytest

from rescore.site.page import Page
from rescore.site.render import END, START, TITLE_TOKEN, Renderer, shape_of, shapes
from tests.conftest import EXAMPLES

SKELETON = "configs/__rescore-skeleton__.md"


def skeleton_html() -> str:
    """What mkdocs makes of a skeleton, reduced to the parts the renderer fills."""
    return (
        f"<html><head><title>{TITLE_TOKEN} - site</title>"
        f'<link rel="canonical" href="https://x.invalid/configs/__rescore-skeleton__/">'
        f'</head><body><a href="#rescoreskeletontitle" class="md-skip">skip</a>'
        f"<header>{TITLE_TOKEN}</header>{START}<h1>old</h1>{END}"
        '<script src="../../assets/rescore.js"></script></body></html>'
    )


def renderer(site: Path, cache: Path | None) -> Renderer:
    md = markdown.Markdown(extensions=["toc", "attr_list"], extension_configs={})
    return Renderer(site, {SKELETON: skeleton_html()}, md, cache_dir=cache, code_key="k")


def config_page(text: str, title: str = "A <b>model</b>") -> Page:
    page = Page("configs/a.md", title, in_nav=False)
    page.markdown = f"# Model\n\nSome text.\n\n## Responses\n{page.block(text)}"
    return page


def test_a_page_fills_its_skeleton(tmp_path: Path) -> None:
    r = renderer(tmp_path, None)
    r.write_page(config_page("<pre>&lt;script&gt;</pre>"))
    html = (tmp_path / "configs/a/index.html").read_text()
    assert "<title>A ‹b›model‹/b› - site</title>" in html  # title_text: markup made inert
    assert "<header>A ‹b›model‹/b›</header>" in html
    assert 'href="https://x.invalid/configs/a/"' in html  # the page's own URL, same depth
    assert 'href="#model" class="md-skip"' in html  # the skip link: the page's first heading
    assert '<h1 id="model">Model</h1>' in html and "<h1>old</h1>" not in html
    assert "<pre>&lt;script&gt;</pre>" in html and "rescore-block" not in html
    assert '<script src="../../assets/rescore.js">' in html  # relative links hold
    assert r.urls == ["configs/a/"]


def test_unchanged_pages_come_from_the_cache_changed_ones_are_rendered(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = renderer(tmp_path / "one", cache)
    first.write_page(config_page("<p>1</p>"))
    assert (first.rendered, first.reused) == (1, 0)
    again = renderer(tmp_path / "two", cache)
    again.write_page(config_page("<p>1</p>"))
    assert (again.rendered, again.reused) == (0, 1)
    one = (tmp_path / "one/configs/a/index.html").read_bytes()
    assert (tmp_path / "two/configs/a/index.html").read_bytes() == one
    changed = renderer(tmp_path / "three", cache)
    changed.write_page(config_page("<p>2</p>"))
    assert (changed.rendered, changed.reused) == (1, 0)
    assert "<p>2</p>" in (tmp_path / "three/configs/a/index.html").read_text()
    other_code = Renderer(
        tmp_path / "four",
        {SKELETON: skeleton_html()},
        markdown.Markdown(extensions=["toc"]),
        cache_dir=cache,
        code_key="other",
    )
    other_code.write_page(config_page("<p>1</p>"))
    assert other_code.rendered == 1  # new site code: nothing reused


def test_every_streamed_page_shape_has_a_skeleton() -> None:
    shown = {shape_of(config_page("x"))}
    page = Page("questions/s/q.md", "s / q", hide_toc=True)
    page.markdown = "# s / q\n\n## Prompt\n\n## Scoring criteria\n\n## Every config's answer\n"
    shown.add(shape_of(page))
    assert shown <= set(shapes().values())


def test_a_part_recorded_under_its_key_is_linked_into_a_later_group(tmp_path: Path) -> None:
    """A page with a `part_key` is recorded under it; a later build's group that holds a
    `CachedPart` with that key links the same file (nothing built or rendered) and records it
    in its own group, and a key the cache does not hold is not claimed."""
    from rescore.site.stream import CachedPart

    cache = tmp_path / "cache"
    first = renderer(tmp_path / "one", cache)
    page = config_page("<p>part 2</p>")
    page.part_key = "part-2-key"
    first.write_group("config-key", [page])
    assert first.rendered == 1
    later = renderer(tmp_path / "two", cache)
    assert not later.has_group("another-key")
    assert later.has_group("part-2-key")
    later.write_group("config-key-2", [CachedPart("part-2-key")])
    assert (later.rendered, later.reused, later.urls) == (0, 1, ["configs/a/"])
    one = (tmp_path / "one/configs/a/index.html").read_bytes()
    assert (tmp_path / "two/configs/a/index.html").read_bytes() == one
    third = renderer(tmp_path / "three", cache)
    assert third.has_group("config-key-2")  # the group that linked it recorded it too
    third.reuse_group("config-key-2")
    assert (tmp_path / "three/configs/a/index.html").read_bytes() == one


@pytest.mark.slow
def test_the_per_run_acceleration_pages_are_filled_skeletons_kept_in_the_page_cache(
    tmp_path: Path,
) -> None:
    """The role pages are made in memory and written by the renderer (not mkdocs) into the
    theme's skeleton: a whole page with its title, chart and assets, in the sitemap; a
    later build links the same cached file instead of rendering it again, while the pages
    mkdocs renders are written anew."""
    from rescore.cli import main
    from rescore.site_builder import build_site

    wh, site = tmp_path / "w.duckdb", tmp_path / "site"
    runs = EXAMPLES / "runs" / "20260101_120000"
    args = ["--warehouse", str(wh), "report", str(EXAMPLES / "prompts"), str(runs)]
    assert main([*args, "--site-dir", str(site)]) == 0
    roles = [p for p in (site / "acceleration").glob("*/index.html")]
    roles = [p for p in roles if p.parent.name != "config-names"]
    assert roles, "the examples have roles with acceleration experiments"
    for path in roles:
        html = path.read_text(encoding="utf-8")
        assert TITLE_TOKEN not in html and "__rescore-skeleton__" not in html
        assert "<title>Acceleration: " in html and 'class="md-header' in html
        assert "rescore-role" in html  # the page's own content, its blocks put in
        for src in re.findall(r'(?:src|href)="(\.\./[^"#?]+)"', html):
            assert (path.parent / src).resolve().exists(), f"{path}: {src} does not resolve"
    assert any("rescore-chart" in p.read_text(encoding="utf-8") for p in roles)
    assert not (site / "acceleration" / "__rescore-skeleton__").exists()
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert all(f"acceleration/{p.parent.name}/" in sitemap for p in roles)
    main_page = site / "acceleration" / "index.html"
    before = {p: p.stat().st_ino for p in [*roles, main_page]}
    assert build_site(wh, site_dir=site, force=True) == 0
    for path in roles:  # the same cached file, linked again
        assert path.stat().st_ino == before[path] and path.stat().st_nlink >= 2
    assert main_page.stat().st_ino != before[main_page]  # mkdocs wrote it anew
