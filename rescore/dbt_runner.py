"""`rescore build` and `rescore dbt`: run dbt over the warehouse and say plainly what happened.

dbt runs as a subprocess of the same virtual environment rather than in-process: dbt keeps
global state (flags, adapter registry, an open DuckDB handle) that would outlive the call and
hold the warehouse file, and a subprocess keeps dbt's logging out of ours. The child runs
through `rescore.procs`, so stopping or killing the command stops dbt too.

The dbt project is the installed one (`rescore.paths`); the warehouse path reaches
`dbt/profiles.yml` through `RESCORE_WAREHOUSE`. dbt's artifacts and logs go to a folder per
warehouse (`.rescore.duckdb.dbt/` beside it), never into the project: two builds on two
warehouses never read each other's results, an installed package is never written to, and
dbt's partial-parse cache (which is invalidated when the profile's path changes) stays valid
for each warehouse from one build to the next. Failures are read from dbt's own
`run_results.json`, so the summary names each model or test with its message.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rescore import build_state, paths
from rescore.procs import run_child
from rescore.warehouse import ENV_VAR, connect

BAD_STATUSES = {"error", "fail", "runtime error"}
OK_STATUSES = {"success", "pass"}
# unique_id prefix -> what users call it, in the order the summary names them
KINDS = {"model": "models", "test": "data tests", "unit_test": "unit tests", "seed": "seeds"}
# dbt flags naming folders: `rescore dbt` adds its own unless the user gave one
_FOLDER_FLAGS = ("--project-dir", "--profiles-dir", "--target-path", "--log-path")
# the dbt flags `rescore build` always passes that change what a build makes (in the fingerprint)
BUILD_ARGS: list[str] = []
# `rescore dbt` commands that never write models: the build record stays valid across them
_READ_ONLY_DBT = {"ls", "list", "docs", "parse", "compile", "test", "debug", "deps", "show"}
_READ_ONLY_DBT |= {"source", "--help", "-h", "--version", "clean", "init"}


@dataclass(frozen=True)
class NodeResult:
    """One dbt node's outcome as run_results.json records it."""

    unique_id: str
    status: str
    message: str
    failures: int | None
    compiled_code: str = ""

    @property
    def kind(self) -> str:
        return self.unique_id.partition(".")[0]

    @property
    def name(self) -> str:
        """`model.rescore.leaderboard` -> `model leaderboard`; tests keep their full name."""
        kind, _, rest = self.unique_id.partition(".")
        _, _, name = rest.partition(".")
        return f"{kind} {name}"


def dbt_executable() -> list[str]:
    """The dbt of this interpreter's environment (venv `bin/dbt`), else the module entry point."""
    candidate = Path(sys.executable).with_name("dbt")
    if candidate.exists():
        return [str(candidate)]
    found = shutil.which("dbt")
    if found:
        return [found]
    return [sys.executable, "-c", "from dbt.cli.main import cli; cli()"]


def state_dir(warehouse: Path) -> Path:
    """dbt's target and log folders for one warehouse: `<dir>/.<name>.dbt/`."""
    warehouse = Path(warehouse).resolve()
    return warehouse.with_name(f".{warehouse.name}.dbt")


def dbt_env(warehouse: Path) -> dict[str, str]:
    """The environment dbt runs in: the warehouse for profiles.yml, no usage tracking."""
    return {
        **os.environ,
        ENV_VAR: str(Path(warehouse).resolve()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }


def dbt_command(args: Sequence[str], target: Path) -> list[str]:
    """`dbt ARGS` with the installed project and per-warehouse folders (unless ARGS name them)."""
    cmd = [*dbt_executable(), *args]
    given = {a.split("=", 1)[0] for a in args}
    dbt_dir = paths.dbt_dir()
    extra = {
        "--project-dir": dbt_dir,
        "--profiles-dir": dbt_dir,
        "--target-path": target,
        "--log-path": target / "logs",
    }
    if args and args[0] in {"--help", "-h", "--version"}:
        return cmd
    for flag in _FOLDER_FLAGS:
        if flag not in given:
            cmd += [flag, str(extra[flag])]
    return cmd


def read_results(target_path: Path) -> list[NodeResult]:
    """The nodes of the last dbt invocation; empty when dbt stopped before running any."""
    path = target_path / "run_results.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text())
    return [
        NodeResult(
            unique_id=r.get("unique_id", "?"),
            status=str(r.get("status", "?")),
            message=(r.get("message") or "").strip(),
            failures=r.get("failures"),
            compiled_code=r.get("compiled_code") or "",
        )
        for r in data.get("results", [])
    ]


def _counts_line(results: list[NodeResult]) -> str:
    """'35 models, 411 data tests, 30 unit tests, 5 seeds passed' (+ what did not pass)."""
    passed: dict[str, int] = {}
    other: dict[str, int] = {}
    for r in results:
        if r.status in OK_STATUSES:
            if r.kind == "operation":  # the on-run-start warehouse check: news only if it fails
                continue
            passed[r.kind] = passed.get(r.kind, 0) + 1
        else:
            other[r.status] = other.get(r.status, 0) + 1
    order = [*KINDS, *sorted(set(passed) - set(KINDS))]
    parts = [f"{passed[k]} {KINDS.get(k, k + 's')}" for k in order if passed.get(k)]
    line = (", ".join(parts) or "nothing") + " passed"
    if other:
        line += "; " + ", ".join(f"{n} {s}" for s, n in sorted(other.items()))
    return line


def summarise(results: list[NodeResult]) -> tuple[list[NodeResult], list[NodeResult], str]:
    """Split into failures and warnings and write the one-paragraph summary users read."""
    bad = [r for r in results if r.status in BAD_STATUSES]
    warned = [r for r in results if r.status == "warn"]
    lines = ["rescore build: " + _counts_line(results)]
    for title, group in (("FAILED", bad), ("warning", warned)):
        for r in group:
            extra = f" ({r.failures} failing rows)" if r.failures else ""
            lines.append(f"  {title}: {r.name}{extra}")
            lines += [f"      {m.strip()}" for m in r.message.splitlines()[:6] if m.strip()]
    return bad, warned, "\n".join(lines)


def run_dbt_build(
    warehouse: Path,
    select: str | None = None,
    *,
    target_path: Path | None = None,
    quiet: bool = True,
    force: bool = False,
    full_refresh: bool = False,
) -> int:
    """Build staging, intermediate and mart models and run every dbt test; 0 if all passed.

    The raw schema is created first when missing, so an empty warehouse builds empty marts
    instead of failing on absent sources. `target_path` (default: the warehouse's own folder,
    `state_dir`) holds dbt's artifacts and logs.

    A full build (no `select`) is skipped when its inputs (`rescore.build_state`: raw content,
    dbt project, args, versions) equal those of the last successful full build recorded in the
    warehouse; dbt's unit tests (which read fixtures, never the data) are skipped when the code
    they test is byte-identical to the code they last passed on, in this warehouse or (through
    the per-user record, `build_state.unit_pass`) in any other. `force` runs everything;
    `full_refresh` passes `--full-refresh` (incremental models rebuilt from scratch).
    """
    warehouse = Path(warehouse).resolve()
    target = Path(target_path).resolve() if target_path else state_dir(warehouse) / "target"
    args = ["build", "--no-use-colors"]
    if quiet:
        args += ["--quiet"]
    if select:
        args += ["--select", select]
    if full_refresh:
        args += ["--full-refresh"]
    con = connect(warehouse)  # raw schema in place; WarehouseBusy/WarehouseError otherwise
    try:
        inputs = build_state.build_inputs(con, paths.dbt_dir(), BUILD_ARGS)
        prev = build_state.last_recorded(con)
        fresh = prev is not None and prev["fingerprint"] == build_state.digest(inputs)
        if fresh and not (select or force or full_refresh):
            print(
                "rescore build: up to date (nothing changed since "
                f"{prev['finished_at']:%Y-%m-%d %H:%M:%S} UTC); --force rebuilds"
            )
            return 0
        code = build_state.code_key(inputs)
        if not full_refresh and (prev is None or build_state.code_key(prev["inputs"]) != code):
            # Incremental models (marts.responses) keep rows between builds: after a change
            # of the dbt project or versions, or with no successful build on record, they
            # start over, so no row outlives the code that made it.
            args += ["--full-refresh"]
        skip_unit, unit_note = _unit_tests_passed(code, prev, reuse=not (select or force))
        build_state.forget(con)  # a failed or partial build leaves no "up to date" record
    finally:
        con.close()
    if skip_unit:
        args += ["--exclude", "test_type:unit"]
    run_results = target / "run_results.json"
    if run_results.exists():
        run_results.unlink()
    proc = run_child(dbt_command(args, target), env=dbt_env(warehouse), cwd=paths.dbt_dir())
    results = read_results(target)
    bad, _warned, summary = summarise(results)
    print(summary)
    if skip_unit:
        print(f"  {unit_note}")
    if proc.returncode != 0 and not bad:
        # dbt failed before or outside the nodes (parse error, bad profile): show its output.
        print("dbt exited with code", proc.returncode)
        print((proc.stdout + proc.stderr).strip()[-4000:])
    for line in _null_columns(warehouse, bad):
        print(line)
    ok = proc.returncode == 0 and not bad
    if ok and not select:
        con = connect(warehouse)
        try:
            build_state.record(con, inputs, unit_tests_for=code)
        finally:
            con.close()
        if not skip_unit:
            passed = sum(1 for r in results if r.kind == "unit_test" and r.status == "pass")
            build_state.record_unit_pass(code, count=passed, warehouse=warehouse)
        _record_build(warehouse, inputs["raw"])
        _keep_manifest(warehouse, target, build_state.digest(inputs))
    return 0 if ok else 1


def _unit_tests_passed(code: str, prev: dict | None, *, reuse: bool) -> tuple[bool, str]:
    """Whether the unit tests already passed on this exact code, and the line that says where.

    This warehouse's own record first, then the per-user record of passes on any warehouse
    (`build_state.unit_pass`): unit tests read fixtures only, and the key covers every input
    they have (project files, args, versions, raw columns), so a pass elsewhere is the same pass.
    """
    if not reuse:
        return False, ""
    if prev is not None and prev["unit_tests_for"] == code:
        return True, (
            "unit tests not re-run: the dbt project is unchanged since they passed "
            "(--force runs them)"
        )
    seen = build_state.unit_pass(code)
    if seen is None:
        return False, ""
    return True, (
        f"unit tests not re-run: {seen.get('count', '?')} passed on this exact code "
        f"(dbt project, dbt and DuckDB versions, raw columns) at {seen['passed_at']} "
        f"on {seen.get('warehouse', '?')} (--force runs them)"
    )


# per-model tests returning a row per failing column (dbt/macros/*_columns.sql): how to say it
_PER_COLUMN_TESTS = {
    ".not_null_columns_": ("nulls in", "null rows"),
    ".value_between_columns_": ("values out of range in", "rows"),
    ".accepted_values_columns_": ("values not accepted in", "rows"),
}


def _null_columns(warehouse: Path, bad: list[NodeResult]) -> list[str]:
    """For each failed per-model column test (`not_null_columns`, `value_between_columns`,
    `accepted_values_columns`), the columns that failed and their row counts (its own rows).

    The test is one node per model, so dbt's message counts columns; rerunning its compiled
    query (read-only, only on failure) names them as per-column nodes did.
    """
    failed = [
        (r, words)
        for r in bad
        for marker, words in _PER_COLUMN_TESTS.items()
        if marker in r.unique_id and r.compiled_code
    ]
    if not failed:
        return []
    lines = []
    con = connect(warehouse, read_only=True)
    try:
        for r, (what, unit) in failed:
            rows = con.execute(r.compiled_code).fetchall()
            found = ", ".join(f"{column} ({n} {unit})" for column, n in rows)
            lines.append(f"  {r.name}: {what} {found}")
    finally:
        con.close()
    return lines


def raw_fingerprint(con) -> dict[str, str]:
    """Content hashes of the raw tables dbt reads: equal fingerprints, same inputs."""
    return build_state.raw_fingerprint(con)


def _record_build(warehouse: Path, raw: dict[str, str]) -> None:
    """Remember what raw held when the marts were built (read by `rescore doctor`)."""
    from datetime import UTC, datetime

    record = {"finished_at": datetime.now(UTC).isoformat(), "raw": raw}
    path = state_dir(warehouse) / "last_build.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _keep_manifest(warehouse: Path, target: Path, fingerprint: str) -> None:
    """Keep this build's compiled manifest for the site's dbt docs (`rescore.site.dbt_docs`).

    With it, `dbt docs generate --no-compile` (catalog only, partial parse: ~4 CPU s instead
    of ~17) documents the marts with the very SQL that built them. Saved apart from the target,
    which `rescore dbt parse` or `ls` overwrite, and named by the build's fingerprint.
    """
    manifest = target / "manifest.json"
    if not manifest.exists():
        return
    dest = state_dir(warehouse) / "docs"
    dest.mkdir(parents=True, exist_ok=True)
    for name, src in (("manifest.json", manifest), ("partial_parse.msgpack", None)):
        src = src or target / name
        if src.exists():
            shutil.copyfile(src, dest / f"{name}.tmp")
            os.replace(dest / f"{name}.tmp", dest / name)
    (dest / "fingerprint").write_text(fingerprint, encoding="utf-8")


def kept_manifest(warehouse: Path, fingerprint: str) -> Path | None:
    """The folder of the kept manifest when it is the build `fingerprint`'s, else None."""
    dest = state_dir(warehouse) / "docs"
    try:
        if (dest / "fingerprint").read_text(encoding="utf-8") != fingerprint:
            return None
    except OSError:
        return None
    return dest if (dest / "manifest.json").exists() else None


def last_build(warehouse: Path) -> dict | None:
    """The record of the last complete `rescore build` of this warehouse, if any."""
    path = state_dir(warehouse) / "last_build.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def run_dbt(warehouse: Path, args: Sequence[str]) -> int:
    """`rescore dbt ARGS`: dbt itself, on the installed project and this warehouse.

    Output goes straight to the terminal. Exit codes follow the CLI's: dbt's 0 and 1 (failures
    found) as they are, anything else (dbt's own crash) 3.
    """
    warehouse = Path(warehouse).resolve()
    if args and args[0] not in _READ_ONLY_DBT:
        con = connect(warehouse)
        try:
            build_state.forget(con)  # dbt may rewrite marts: the next build must run
        finally:
            con.close()
    target = state_dir(warehouse) / "target"
    env = dbt_env(warehouse)
    if not sys.stdout.isatty():
        env["DBT_USE_COLORS"] = "false"  # no escape codes in logs and pipes
    proc = run_child(
        dbt_command(list(args), target),
        env=env,
        cwd=paths.dbt_dir(),
        capture=False,
    )
    return proc.returncode if proc.returncode in (0, 1) else 3
