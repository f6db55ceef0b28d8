"""The settings of one site build, carried from `rescore site` to the mkdocs hook as one object.

mkdocs (and mike, which runs mkdocs as a program) loads the hook in another process, so the
settings cannot be passed as arguments. The builder writes them as JSON into the build's work
folder and passes that file's path in ONE environment variable, :data:`SETTINGS_ENV`; the hook
reads it once. Library code takes a :class:`SiteSettings` (or plain arguments) and never reads
the environment itself.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

SETTINGS_ENV = "RESCORE_SITE_SETTINGS"


@dataclass(frozen=True)
class SiteSettings:
    """Everything a build needs to know besides the mkdocs config itself."""

    warehouse: Path
    work_dir: Path
    cache_dir: Path
    scoring_run: str | None = None  # resolved once by the builder; None: the newest
    version: str | None = None  # shown on the overview when mike publishes a version
    dbt_docs_dir: Path | None = None  # folder holding dbt's index.html/manifest/catalog
    dbt_docs_generate: bool = False  # run `dbt docs generate` beside the page rendering
    page_cache_dir: Path | None = None  # rendered streamed pages by key (rescore.site.render)
    svg_cache_dir: Path | None = None  # static chart SVGs by spec (build.render_svgs)
    # where `dbt docs generate` keeps its schema mirror and target between builds (so its
    # partial parse of the mirror's profile holds); None: under work_dir, for this build only
    dbt_docs_state: Path | None = None

    @property
    def dbt_docs_home(self) -> Path:
        return self.dbt_docs_state or self.work_dir / "dbt-docs-state"

    def to_json(self) -> str:
        data = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}
        return json.dumps(data, indent=2, sort_keys=True)

    def write(self, path: Path) -> Path:
        """Write the settings file the hook reads; return its path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def from_json(cls, text: str) -> SiteSettings:
        data = json.loads(text)
        paths = {
            "warehouse",
            "work_dir",
            "cache_dir",
            "dbt_docs_dir",
            "page_cache_dir",
            "svg_cache_dir",
            "dbt_docs_state",
        }
        known = {f.name for f in fields(cls)}
        kwargs = {
            k: (Path(v) if k in paths and v is not None else v)
            for k, v in data.items()
            if k in known
        }
        return cls(**kwargs)

    @classmethod
    def read(cls, path: Path) -> SiteSettings:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    @classmethod
    def defaults(cls, root: Path, warehouse: Path | None = None) -> SiteSettings:
        """A plain `mkdocs build`/`serve` in a folder: its warehouse, scratch under build/."""
        return cls(
            warehouse=Path(warehouse) if warehouse else root / "warehouse" / "rescore.duckdb",
            work_dir=root / "build" / "site-work",
            cache_dir=root / "build" / "cache",
            dbt_docs_dir=None,
        )
