"""Where the tool's own files are: the dbt project, the mkdocs configuration, the site hook and
docs, the bundled examples; and where the tool may write its scratch files and caches.

One module answers this so no other code builds paths from `__file__` or the working
directory. From a checkout these are the repository's folders; an installed wheel carries
copies inside the package (`rescore/_bundle`, written by `setup.py`), found the same way. An
installed package is read-only: scratch folders and caches then go to the temporary folder and
the user's cache folder, never into site-packages.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_BUNDLE = _PACKAGE / "_bundle"


def is_checkout() -> bool:
    """True when running from a source checkout (editable install or `python -m` in the repo)."""
    return (_PACKAGE.parent / "dbt" / "dbt_project.yml").is_file()


@cache
def project_root() -> Path:
    """The folder holding `dbt/`, `site/`, `mkdocs.yml` and `examples/`.

    A checkout (the package's parent has `dbt/dbt_project.yml`) wins over the bundled copy, so
    an editable install always runs the files being edited.
    """
    return _PACKAGE.parent if is_checkout() else _BUNDLE


def dbt_dir() -> Path:
    return project_root() / "dbt"


def mkdocs_config() -> Path:
    return project_root() / "mkdocs.yml"


def site_docs_dir() -> Path:
    return project_root() / "site" / "docs"


def site_hook() -> Path:
    return project_root() / "site" / "hooks" / "report.py"


def examples_dir() -> Path:
    return project_root() / "examples"


def scratch_dir() -> Path:
    """A writable folder for per-build scratch folders (each build makes its own inside).

    The checkout's `build/` (gitignored) keeps them visible to developers; an installed tool
    uses the system temporary folder.
    """
    if is_checkout():
        return project_root() / "build" / "site-work"
    return Path(tempfile.gettempdir()) / "rescore-work"


def cache_dir() -> Path:
    """Where slow, reusable artefacts (the vega bundle) are kept between builds."""
    if is_checkout():
        return project_root() / "build" / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rescore"
