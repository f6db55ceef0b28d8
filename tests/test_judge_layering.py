"""The judge stage's house rules (issue 9.5), read from the code itself with `ast`.

judge/ imports nothing from rescore/; inside the Claude judge each module imports only the
modules below it (prompt < pricing < api < batches < judge), so there is no circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

JUDGE = Path(__file__).resolve().parents[1] / "judge"
CLAUDE_ORDER = ["prompt", "pricing", "api", "batches", "judge"]


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_judge_imports_nothing_from_rescore():
    offenders = {
        str(p.relative_to(JUDGE)): sorted(m for m in _imports(p) if m.split(".")[0] == "rescore")
        for p in JUDGE.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_claude_modules_import_only_those_below_them():
    for i, name in enumerate(CLAUDE_ORDER):
        mods = _imports(JUDGE / "claude" / f"{name}.py")
        above = {f"judge.claude.{m}" for m in CLAUDE_ORDER[i:]} | {"judge.claude"}
        assert not (mods & above), f"judge/claude/{name}.py imports {sorted(mods & above)}"


def test_no_exception_is_caught_by_its_class_name():
    for p in JUDGE.rglob("*.py"):
        assert "__name__ !=" not in p.read_text() and "__name__ ==" not in p.read_text(), p
