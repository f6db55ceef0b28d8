"""Where the tool's own files are: the dbt project, the mkdocs configuration, the site hook and
docs, the bundled examples.

One module answers this so no other code builds paths from `__file__` or the working
directory. From a checkout these are the repository's folders; an installed wheel carries
copies inside the package (see `pyproject.toml`), found the same way.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def project_root() -> Path:
    """The folder holding `dbt/`, `site/`, `mkdocs.yml` and `examples/`.

    A checkout (the package's parent has `dbt/dbt_project.yml`) wins over the bundled copy, so
    an editable install always runs the files being edited.
    """
    checkout = _PACKAGE.parent
    if (checkout / "dbt" / "dbt_project.yml").is_file():
        return checkout
    return _PACKAGE / "_bundle"


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
