"""Packaging step that setuptools' declarative config cannot express: the bundle.

The tool runs files that live beside the package in a checkout (the dbt project, the mkdocs
configuration with its hook and assets, the example data). A wheel must carry them, so the
build copies them into `rescore/_bundle/`, where `rescore.paths` finds them when there is no
checkout. The user's layout (`dbt/`, `site/` + `mkdocs.yml` at the repository root) stays as it
is; MANIFEST.in puts the same folders into the sdist so a wheel built from it is complete.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("dbt", "site", "examples", "mkdocs.yml")
# dbt's and Python's own output, never part of the project
IGNORED = shutil.ignore_patterns(
    "target", "logs", "dbt_packages", "__pycache__", "*.pyc", ".user.yml", "*.duckdb*"
)


class BuildWithBundle(build_py):
    """`build_py` that also copies the bundled folders into `rescore/_bundle` of the build."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install runs the checkout's own files (rescore.paths)
        bundle = Path(self.build_lib) / "rescore" / "_bundle"
        shutil.rmtree(bundle, ignore_errors=True)
        bundle.mkdir(parents=True)
        for name in BUNDLED:
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, bundle / name, ignore=IGNORED)
            elif src.is_file():
                shutil.copy2(src, bundle / name)
            else:
                raise FileNotFoundError(f"cannot bundle {src}: missing from the source tree")


setup(cmdclass={"build_py": BuildWithBundle})
