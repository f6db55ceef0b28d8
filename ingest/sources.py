"""Reading input files defensively: bytes in, text out, every oddity reported.

Real benchmark folders hold files with invalid UTF-8, NUL bytes, CRLF endings, UTF-16 exports
from spreadsheet tools, and now and then something that is not a file at all (a FIFO, a link
to /dev/zero, a symlink loop). Reading them here, once, with limits checked *before* reading,
means one such file is quarantined (:class:`SourceError`) and never hangs or crashes the
command; the stage modules see clean text plus a list of what was repaired.

Limits (module constants, documented in the README's ingest section):

- :data:`MAX_FILE_BYTES`: a larger file is refused before it is read;
- :data:`READ_TIMEOUT_S`: a read that has not finished by then is abandoned (slow or hung
  network mounts); the file is quarantined;
- only regular files are read: FIFOs, devices and sockets are refused without opening them
  for a blocking read (a FIFO is opened non-blocking, so even a race cannot hang).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import SourceError

MAX_FILE_BYTES = 512 * 1024 * 1024
READ_TIMEOUT_S = 120.0
_CHUNK = 8 * 1024 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


@dataclass
class TextFile:
    path: Path
    text: str
    sha256: str
    repairs: list[tuple[str, str]]  # (kind, message): data was changed to load it
    notes: list[tuple[str, str]] = field(default_factory=list)  # (kind, message): informational
    encoding: str = "utf-8"
    lone_surrogate_escape: bool = True  # False only when the text surely decodes without one


def lone_surrogate_escape(data: bytes) -> bool:
    """Whether JSON bytes hold a `\\uD800`-`\\uDFFF` escape that is not half of a pair.

    Emoji are often written as escaped pairs, so "has a `\\ud` escape" is common; each
    escape (few per file) is checked on its own. One regex pass finds them (0.04 s over the
    real run's 90 MB, against 0.13 s for two `bytes.find` passes). False positives (an
    escaped backslash before `ud800`) only cost a slower check later, never a missed
    surrogate."""
    for m in _SURROGATE_ESCAPE.finditer(data):
        i = m.start()
        esc = data[i : i + 12].lower()
        if esc[3:4] in (b"8", b"9", b"a", b"b"):  # high half: a low half must follow
            if not (esc[6:9] == b"\\ud" and esc[9:10] in (b"c", b"d", b"e", b"f")):
                return True
        else:  # low half: a high half must precede
            prev = data[max(0, i - 6) : i].lower()
            if not (prev[:3] == b"\\ud" and prev[3:4] in (b"8", b"9", b"a", b"b")):
                return True
    return False


def source_name(path: Path) -> str:
    """How a file is named in the warehouse: its resolved absolute path, so `./x`, `x`,
    `/abs/x` and a symlink to it are one source (no doubled rows or error rows)."""
    try:
        name = Path(path).resolve().as_posix()
    except (OSError, RuntimeError):  # a symlink loop: name it by its absolute spelling
        name = Path(os.path.abspath(path)).as_posix()
    # Undecodable bytes in a file name arrive as surrogate escapes; they cannot be stored.
    return clean_text(name)[0]


def as_posix(path: Path) -> str:
    """Kept for callers that name files: the resolved name (see :func:`source_name`)."""
    return source_name(path)


def check_file(path: Path) -> os.stat_result:
    """Stat `path` (following links) and refuse what must not be read, with a reason."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SourceError(
                "symlink_loop",
                "the path is a symbolic link loop; point the link at a real file or remove it",
            ) from None
        if exc.errno == errno.ENOENT:
            raise SourceError(
                "missing_file",
                "the file does not exist (a dangling symbolic link, or removed while reading)",
            ) from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise SourceError(
                "unreadable_file", "permission denied; make the file readable and re-run"
            ) from None
        raise SourceError("unreadable_file", f"cannot stat the file: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        what = (
            "a FIFO (named pipe)"
            if stat.S_ISFIFO(st.st_mode)
            else "a device"
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "a socket"
            if stat.S_ISSOCK(st.st_mode)
            else "not a regular file"
        )
        raise SourceError(
            "not_regular_file",
            f"the path is {what}, not a regular file; it was not read (reading it could hang "
            "or never end). Copy the data into a regular file.",
        )
    if st.st_size > MAX_FILE_BYTES:
        raise SourceError(
            "file_too_large",
            f"the file is {st.st_size / 2**20:.0f} MiB, above the {MAX_FILE_BYTES // 2**20} MiB "
            "limit per file; split it (e.g. one file per config)",
        )
    return st


def read_bytes(path: Path, *, timeout_s: float | None = None) -> bytes:
    """The file's bytes, with every limit checked; raises :class:`SourceError`."""
    if timeout_s is None:
        timeout_s = READ_TIMEOUT_S
    check_file(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise SourceError(
                "unreadable_file", "permission denied; make the file readable and re-run"
            ) from None
        raise SourceError("unreadable_file", f"cannot open the file: {exc.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped between stat and open
            raise SourceError("not_regular_file", "the path stopped being a regular file")
        deadline = time.monotonic() + timeout_s
        parts: list[bytes] = []
        total = 0
        while True:
            try:
                chunk = os.read(fd, _CHUNK)
            except OSError as exc:
                raise SourceError(
                    "unreadable_file", f"read failed: {exc.strerror}; check the disk or mount"
                ) from None
            if not chunk:
                break
            parts.append(chunk)
            total += len(chunk)
            if total > MAX_FILE_BYTES:
                raise SourceError(
                    "file_too_large",
                    f"the file grew beyond the {MAX_FILE_BYTES // 2**20} MiB limit while read",
                )
            if time.monotonic() > deadline:
                raise SourceError(
                    "read_timeout",
                    f"reading took longer than {timeout_s:.0f} s (slow or hung mount?); "
                    "copy the file to a local disk and re-run",
                )
        return b"".join(parts)
    finally:
        os.close(fd)


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the bytes look like BOM-less UTF-16 text, else None."""
    head = data[:4096]
    if len(head) < 8 or head.count(0) < len(head) // 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode(data: bytes) -> tuple[str, str, list[tuple[str, str]], list[tuple[str, str]]]:
    """Text, encoding, repairs and notes: UTF-8 (BOM tolerated), UTF-16/32 by BOM, BOM-less
    UTF-16 by its NUL pattern; undecodable bytes become U+FFFD and are reported."""
    repairs: list[tuple[str, str]] = []
    notes: list[tuple[str, str]] = []
    encoding = "utf-8-sig"
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encoding = "utf-32"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        guess = utf16_without_bom(data)
        if guess:
            encoding = guess
    if encoding != "utf-8-sig":
        notes.append(
            (
                "encoding_converted",
                f"the file is {encoding.upper()} (not UTF-8); it was decoded as {encoding} and "
                "loaded. Save it as UTF-8 to silence this note.",
            )
        )
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        text = data.decode(encoding, errors="replace")
        repairs.append(
            (
                "invalid_utf8" if encoding == "utf-8-sig" else "invalid_encoding",
                f"invalid {encoding} at byte {exc.start} ({exc.reason}); undecodable bytes were "
                "replaced with U+FFFD and the rest loaded. Re-save the file as UTF-8 to fix.",
            )
        )
    return text, encoding, repairs, notes


def read_text(path: Path) -> TextFile:
    """Read and decode one file; raises :class:`SourceError` when it cannot be read."""
    data = read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    text, encoding, repairs, notes = decode(data)
    lone = lone_surrogate_escape(data) if encoding == "utf-8-sig" else True
    return TextFile(path, text, digest, repairs, notes, encoding, lone)


def clean_text(s: str) -> tuple[str, bool]:
    """`s` with lone surrogates (from JSON escapes like `\\ud800`) replaced by U+FFFD, and
    whether any were: they cannot be stored as UTF-8 and would fail a whole insert."""
    if _SURROGATE.search(s) is None:
        return s, False
    return _SURROGATE.sub("\ufffd", s), True


def list_dir(folder: Path) -> list[tuple[os.DirEntry, str]]:
    """Entries of `folder` in name order, each with its source name (resolved once for the
    folder; only symbolic links are resolved one by one). The scandir entries themselves,
    not a `Path` each: a no-op ingest at 1M responses lists 117,000 files, and building,
    then printing, a `Path` per entry was a third of its time; an entry's type needs no stat
    and its `path` is the string `os.stat` takes."""
    base = source_name(folder).rstrip("/")
    out = []
    with os.scandir(folder) as it:
        for e in it:
            if e.is_symlink():
                out.append((e, source_name(Path(e.path))))
            else:
                out.append((e, f"{base}/{clean_text(e.name)[0]}"))
    out.sort(key=lambda t: t[0].name)
    return out


def suffix_of(name: str) -> str:
    """A file name's suffix as `Path.suffix` gives it (`.json`; '' for `.json` and `a.`),
    without making a `Path`."""
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""
