"""Running child programs (dbt, mkdocs, mike, git) so they never outlive the command.

A child runs in its own process group. If the command is interrupted (Ctrl-C, SIGTERM, SIGHUP)
the whole group is stopped before the command exits; if the command is killed outright
(kill -9, where no handler runs) Linux's parent-death signal stops the child. Without this a
killed `rescore build` leaves dbt running, holding the warehouse open (issue 11.4).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def die_with_parent(parent: int) -> Callable[[], None] | None:
    """A `preexec_fn` asking the kernel to SIGKILL the child when its parent dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - no libc to ask
        return None

    def set_pdeathsig() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return set_pdeathsig


def die_with_parent_now() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux; else nothing).

    For tools run by tools: mike runs mkdocs as a program, so the mkdocs build that holds the
    warehouse is a grandchild of `rescore site`; it calls this so a killed publish leaves no
    process behind holding the warehouse.
    """
    preexec = die_with_parent(os.getppid())
    if preexec is not None:
        preexec()


def stop_group(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM the child's process group, then SIGKILL it if it has not gone within `grace`."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextlib.contextmanager
def _stopping_on_signals(proc: subprocess.Popen) -> Iterator[None]:
    """While `proc` runs, a forwarded signal stops its group and then acts as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be set from the main thread; pdeathsig still applies
        return
    previous = {}

    def handler(signum: int, frame: object) -> None:
        stop_group(proc)
        old = previous.get(signum)
        signal.signal(signum, old if old is not None else signal.SIG_DFL)
        if callable(old):
            old(signum, frame)
        else:
            os.kill(os.getpid(), signum)

    for sig in _FORWARDED:
        previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_child(
    cmd: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | str | None = None,
    capture: bool = True,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """`subprocess.run` that stops the child (and its children) with the command."""
    pipe = subprocess.PIPE if capture else None
    proc = subprocess.Popen(
        list(cmd),
        env=env,
        cwd=cwd,
        stdout=pipe,
        stderr=pipe,
        text=True,
        start_new_session=True,
        preexec_fn=die_with_parent(os.getpid()),
    )
    with _stopping_on_signals(proc):
        try:
            out, err = proc.communicate(timeout=timeout)
        except BaseException:
            stop_group(proc)
            raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out or "", err or "")
