"""Reading input files defensively: bytes in, text out, every oddity reported.

Real benchmark folders hold files with invalid UTF-8, NUL bytes and CRLF endings. Reading them
here, once, means the stage modules see clean text plus a list of what was repaired.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path


@dataclass
class TextFile:
    path: Path
    text: str
    sha256: str
    repairs: list[tuple[str, str]]  # (kind, message)


def read_text(path: Path) -> TextFile:
    """Decode UTF-8 (BOM tolerated); undecodable bytes become U+FFFD and are reported."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    repairs: list[tuple[str, str]] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8-sig", errors="replace")
        repairs.append(
            (
                "invalid_utf8",
                f"invalid UTF-8 at byte {exc.start} ({exc.reason}); undecodable bytes were "
                "replaced with U+FFFD and the rest loaded. Re-save the file as UTF-8 to fix.",
            )
        )
    return TextFile(path, text, digest, repairs)


def as_posix(path: Path) -> str:
    """File names as stored in the warehouse: as given, with forward slashes."""
    return path.as_posix()
