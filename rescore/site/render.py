"""Write the streamed pages (`rescore.site.stream`) into the built site, outside mkdocs.

mkdocs keeps every page's Markdown and HTML until its build ends, and renders each through
Markdown, Material's Jinja templates and the search plugin: most of a build's time and memory
when config and question pages are most of the site. Instead mkdocs renders one *skeleton*
page per page shape (same folder depth as the pages it stands for, so every relative link
holds; a title token; out of the search index), and each streamed page is its skeleton with
the title and the page's own content put in: the content is the page's Markdown converted by
the same Markdown extensions mkdocs uses, with its HTML blocks put in place of their markers
afterwards (untrusted text never meets the Markdown parser), exactly as the hook does for the
pages mkdocs renders. A page is a function of its skeleton and its source (Markdown + blocks):
with a cache folder (beside the site state, `rescore.site_state.page_cache_dir`) a page whose
key is cached is hardlinked (or copied) from it instead of rendered again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rescore.site.page import BLOCK_MARKER, Page
from rescore.site.toolkit import title_text
from rescore.site.urls import page_url

TITLE_TOKEN = "RESCORESKELETONTITLE"
CACHE_DAYS = 7  # a cached page no build used for this long is dropped
SKIP_LINK = 'href="#rescoreskeletontitle"'  # Material's skip link: the first heading's anchor
H1_ID = re.compile(r'<h1 id="([^"]*)"')
START = "<!--rescore-stream-start-->"
END = "<!--rescore-stream-end-->"


@dataclass(frozen=True)
class Shape:
    """Pages that render alike: same folder, same second-level headings (the table of
    contents), same table-of-contents setting."""

    folder: str
    headings: tuple[str, ...]
    hide_toc: bool


def shape_of(page: Page) -> Shape:
    headings = tuple(
        line[3:].strip() for line in page.markdown.splitlines() if line.startswith("## ")
    )
    return Shape(page.src_uri.split("/")[0], headings, page.hide_toc)


@functools.cache
def shapes() -> dict[str, Shape]:
    """Skeleton page -> the shape it stands for, at the depth of the pages it stands for
    (configs/x.md, questions/suite/question.md, acceleration/x.md). A config page has its
    per-suite table or not; a question page the sections its question has texts for
    (pages.questions); an Acceleration page of a role or an earlier run none."""
    from itertools import product

    from rescore.site.pages.questions import ANSWERS_HEADING, TEXT_SECTIONS

    shapes = {
        "configs/__rescore-skeleton-suites__.md": Shape(
            "configs", ("Per suite", "Responses"), False
        ),
        "configs/__rescore-skeleton__.md": Shape("configs", ("Responses",), False),
        # the per-run Acceleration pages (page.Page.from_skeleton)
        "acceleration/__rescore-skeleton__.md": Shape("acceleration", (), True),
    }
    for bits in product((0, 1), repeat=len(TEXT_SECTIONS)):
        titles = [t for t, _ in TEXT_SECTIONS]
        headings = tuple(t for t, bit in zip(titles, bits, strict=True) if bit)
        name = "".join(map(str, bits))
        shapes[f"questions/__rescore__/__rescore-skeleton-{name}__.md"] = Shape(
            "questions", (*headings, ANSWERS_HEADING), True
        )
    return shapes


def skeleton_pages() -> list[Page]:
    """The pages mkdocs renders once each, to be filled per streamed page."""
    out = []
    for uri, shape in shapes().items():
        page = Page(uri, TITLE_TOKEN, in_nav=False, search_exclude=True, hide_toc=shape.hide_toc)
        page.markdown = f"# {TITLE_TOKEN}\n\n" + "".join(f"## {h}\n\n" for h in shape.headings)
        out.append(page)
    return out


def is_skeleton(src_uri: str) -> bool:
    return src_uri in shapes()


def has_skeleton(page: Page) -> bool:
    """Whether a skeleton stands for the page's shape (the renderer can write it)."""
    return shape_of(page) in shapes().values()


def _path(site: Path, uri: str, use_directory_urls: bool) -> tuple[str, Path]:
    url = page_url(uri, use_directory_urls)
    return url, site / (url + "index.html" if url == "" or url.endswith("/") else url)


@dataclass
class Renderer:
    """Fills the skeletons mkdocs rendered (`skeletons`: skeleton uri -> its HTML)."""

    site: Path
    skeletons: dict[str, str]
    markdown: Any  # a markdown.Markdown with mkdocs' extensions
    use_directory_urls: bool = True
    cache_dir: Path | None = None
    code_key: str = ""
    rendered: int = 0
    reused: int = 0
    groups_reused: int = 0  # configs and questions not even generated (their key cached)
    urls: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_shape: dict[Shape, tuple[str, str, str, str]] = {}
        for uri, html in self.skeletons.items():
            head, _, rest = html.partition(START)
            _, _, tail = rest.partition(END)
            url = page_url(uri, self.use_directory_urls)
            digest = hashlib.sha256(html.encode()).hexdigest()
            self._by_shape[shapes()[uri]] = (head, tail, url, digest)
        # what every group's output depends on besides its own key: this code, the
        # Markdown setup and every skeleton (the theme, navigation, version)
        base = [self.code_key, *sorted(d for *_, d in self._by_shape.values())]
        self._group_base = hashlib.sha256("\0".join(base).encode()).hexdigest()
        self._manifests: dict[str, list[list[str | None]]] = {}
        self._recording: list[list[str | None]] | None = None

    def _manifest(self, key: str) -> Path:
        assert self.cache_dir is not None
        full = hashlib.sha256(f"{self._group_base}\0{key}".encode()).hexdigest()
        return self.cache_dir / "groups" / full[:2] / f"{full}.json"

    def has_group(self, key: str) -> bool:
        """Whether every output of the group with this key (`stream.Group`) is cached."""
        if self.cache_dir is None or not key:
            return False
        path = self._manifest(key)
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if not all((self.cache_dir / str(e[1])).exists() for e in entries):
            return False
        self._manifests[key] = entries
        return True

    def reuse_group(self, key: str) -> None:
        """Link a group's cached outputs into the site (`has_group` said they are there)."""
        self._link_cached(key)
        self.groups_reused += 1

    def _link_cached(self, key: str) -> None:
        """Link the outputs recorded under `key` (a group's or a page part's, loaded by
        `has_group`) into the site; inside a group being written, record them in it too."""
        assert self.cache_dir is not None
        for rel, cached, url in self._manifests.pop(key):
            src = self.cache_dir / str(cached)
            dst = self.site / str(rel)
            dst.parent.mkdir(parents=True, exist_ok=True)
            _link(src, dst)
            os.utime(src)
            if url is not None:
                self.urls.append(url)
                self.reused += 1
            if self._recording is not None:
                self._recording.append([rel, cached, url])
        os.utime(self._manifest(key))

    def write_group(self, key: str, items: list[Any]) -> None:
        """Write a group's pages and files, and record them under its key."""
        from rescore.site.stream import CachedPart, TextFile

        self._recording = [] if self.cache_dir is not None and key else None
        for item in items:
            if isinstance(item, TextFile):
                self.write_file(item.uri, item.text)
            elif isinstance(item, CachedPart):  # a part unchanged since it was recorded
                self._link_cached(item.key)
            else:
                start = len(self._recording) if self._recording is not None else 0
                self.write_page(item)
                if item.part_key and self._recording is not None:
                    self._save_manifest(item.part_key, self._recording[start:])
        entries, self._recording = self._recording, None
        if entries is not None:
            self._save_manifest(key, entries)

    def _save_manifest(self, key: str, entries: list[list[str | None]]) -> None:
        assert self.cache_dir is not None
        write_atomic(self._manifest(key), json.dumps(entries))

    def _record(self, path: Path, cached: Path, url: str | None) -> None:
        if self._recording is not None and self.cache_dir is not None:
            rel = path.relative_to(self.site).as_posix()
            self._recording.append([rel, cached.relative_to(self.cache_dir).as_posix(), url])

    def remove_skeletons(self) -> None:
        for uri in self.skeletons:
            _, path = _path(self.site, uri, self.use_directory_urls)
            path.unlink(missing_ok=True)
            if path.name == "index.html":
                shutil.rmtree(path.parent, ignore_errors=True)
        shutil.rmtree(self.site / "questions" / "__rescore__", ignore_errors=True)
        (self.site / "questions" / "__rescore__.html").unlink(missing_ok=True)

    def content(self, page: Page) -> str:
        """The page's HTML content as mkdocs and the hook would make it."""
        self.markdown.reset()
        html = self.markdown.convert(page.markdown)
        return BLOCK_MARKER.sub(lambda m: page.blocks[int(m.group(1))], html)

    def write_page(self, page: Page) -> None:
        shape = shape_of(page)
        if shape not in self._by_shape:
            raise ValueError(f"no skeleton for {page.src_uri} ({shape})")
        head, tail, skeleton_url, digest = self._by_shape[shape]
        url, path = _path(self.site, page.src_uri, self.use_directory_urls)
        self.urls.append(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        cached = None
        if self.cache_dir is not None:
            h = hashlib.sha256()
            for part in (self.code_key, digest, page.src_uri, page.title, page.markdown):
                h.update(part.encode())
                h.update(b"\0")
            for block in page.blocks:
                h.update(block.encode())
                h.update(b"\0")
            key = h.hexdigest()
            cached = self.cache_dir / key[:2] / f"{key}.html"
            if cached.exists():
                _link(cached, path)
                os.utime(cached)  # in use: kept by prune()
                self.reused += 1
                self._record(path, cached, url)
                return
        title = title_text(page.title)
        content = self.content(page)
        h1 = H1_ID.search(content)
        skip = f'href="#{h1.group(1)}"' if h1 else SKIP_LINK
        text = (
            head.replace(TITLE_TOKEN, title).replace(skeleton_url, url).replace(SKIP_LINK, skip)
            + content
            + tail.replace(TITLE_TOKEN, title).replace(skeleton_url, url)
        )
        self.rendered += 1
        if cached is None:
            path.write_text(text, encoding="utf-8")
            return
        write_atomic(cached, text)
        _link(cached, path)
        self._record(path, cached, url)

    def prune(self, days: float = CACHE_DAYS) -> int:
        """Drop cached pages no build used for `days` (several outputs share the cache, so
        what this build did not use may be another version's); the count removed."""
        if self.cache_dir is None or not self.cache_dir.exists():
            return 0
        files = [*self.cache_dir.glob("*/*.html"), *self.cache_dir.glob("*/*.txt")]
        return prune_unused([*files, *self.cache_dir.glob("groups/*/*.json")], days)

    def write_file(self, uri: str, text: str) -> None:
        path = self.site / uri
        path.parent.mkdir(parents=True, exist_ok=True)
        if self._recording is None or self.cache_dir is None:
            path.write_text(text, encoding="utf-8")
            return
        # inside a cached group: the file is kept in the cache too, to be linked next time
        key = hashlib.sha256(f"{uri}\0{text}".encode()).hexdigest()
        cached = self.cache_dir / key[:2] / f"{key}.txt"
        if not cached.exists():
            write_atomic(cached, text)
        _link(cached, path)
        os.utime(cached)
        self._record(path, cached, None)


def write_atomic(path: Path, text: str) -> None:
    """Write a cache file whole or not at all: a killed build, or two builds sharing the
    cache, never leave half a file under a key that says it is done."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def prune_unused(files: Iterable[Path], days: float = CACHE_DAYS) -> int:
    """Remove the cache `files` no build used (touched) for `days`; the count removed. What
    this build did not use may be another version's, so only age decides."""
    import time

    old = time.time() - days * 86400
    removed = 0
    for f in files:
        try:
            if f.stat().st_mtime < old:
                f.unlink()
                removed += 1
        except OSError:  # gone meanwhile (another build pruned it)
            pass
    return removed


def _link(src: Path, dst: Path) -> None:
    """Hardlink a cached page into the site (a copy across file systems)."""
    dst.unlink(missing_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
