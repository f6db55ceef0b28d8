"""mkdocs hook: make `404.html` use paths relative to its own folder.

mkdocs renders the 404 page with absolute URLs (`/assets/...`, or `/<version>/assets/...` with
`site_url`), because a server may serve it for any missing path. Under a versioned host the
version's folder is rarely at that absolute place, and the page loses its styles and scripts.
Relative to the folder holding it (`./assets/...`), the page works wherever the version is
served and when opened from its own folder. Added to every build by
`rescore.mkdocs_tools.mkdocs_child_config`.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.config.defaults import MkDocsConfig


def relative_404(html: str, base: str) -> str:
    """`html` with every URL under `base` (an absolute path ending in /) made relative."""
    base = base if base.endswith("/") else base + "/"
    attrs = re.compile(r'(\b(?:href|src)=")' + re.escape(base))
    html = attrs.sub(r"\1./", html)
    return re.sub(r'("base":\s*")' + re.escape(base.rstrip("/") or "/") + r'/?"', r'\1."', html)


def on_post_build(config: MkDocsConfig) -> None:
    page = Path(config.site_dir) / "404.html"
    if not page.exists():
        return
    base = urlsplit(config.site_url or "/").path or "/"
    page.write_text(relative_404(page.read_text(encoding="utf-8"), base), encoding="utf-8")
