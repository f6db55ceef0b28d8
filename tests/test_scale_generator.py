"""The scale benchmark's synthetic generator (benchmarks/_synthetic.py).

Fast and offline: the profile comes from the bundled examples run, so these run everywhere.
What must hold for the benchmark figures to mean anything: the same seed gives the same bytes,
the size asked for is the size written, the files keep the source's shape (files, records,
numbers, flags), the texts are new, and the real `rescore ingest` loads every record.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import EXAMPLES, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import _synthetic  # noqa: E402

SOURCE = EXAMPLES / "runs" / "20260101_120000"
SUITES = EXAMPLES / "prompts"
SKIP_KINDS = {"other-shape file", "non-suite YAML", "non-suite folder"}


@pytest.fixture(scope="module")
def profile() -> _synthetic.Profile:
    return _synthetic.build_profile(SOURCE, SUITES)


def _records(folder: Path) -> list[tuple[str, str, str, dict]]:
    out = []
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text())
        if isinstance(doc, dict) and isinstance(doc.get("results"), dict):
            for suite, qs in doc["results"].items():
                out += [(path.stem, suite, qid, rec) for qid, rec in qs.items()]
    return out


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.json"))}


def test_same_seed_same_bytes_other_seed_other_text(profile, tmp_path: Path) -> None:
    n = profile.run_size + 7
    _synthetic.generate(profile, tmp_path / "a", n, seed=3)
    _synthetic.generate(profile, tmp_path / "b", n, seed=3)
    _synthetic.generate(profile, tmp_path / "c", n, seed=4)
    a, b, c = _tree(tmp_path / "a"), _tree(tmp_path / "b"), _tree(tmp_path / "c")
    assert a == b
    full = _synthetic.run_id_for(0)
    same_files = [k for k in a if k.startswith(full)]
    assert same_files == [k for k in c if k.startswith(full)]  # the whole run: every file
    assert all(a[k] != c[k] for k in same_files if "speed" not in k and "lookup" not in k)


@pytest.mark.parametrize(
    ("runs", "extra", "expect_runs"),
    [(0, 1, 1), (0, 25, 1), (1, 0, 1), (2, 0, 2), (2, 13, 3)],
)
def test_writes_exactly_the_size_asked(profile, tmp_path: Path, runs, extra, expect_runs) -> None:
    n = runs * profile.run_size + extra
    folders = _synthetic.generate(profile, tmp_path, n, seed=0)
    assert len(folders) == expect_runs
    assert len({f.name for f in folders}) == expect_runs  # a new run id per run
    assert sum(len(_records(f)) for f in folders) == n


def test_a_later_run_index_is_a_new_run_with_new_text(profile, tmp_path: Path) -> None:
    first = _synthetic.generate(profile, tmp_path, 30, seed=0)
    later = _synthetic.generate(profile, tmp_path, 30, seed=0, first_run=5)
    assert first[0].name != later[0].name
    texts = {r["response"] for *_, r in _records(first[0])}
    new = [r["response"] for *_, r in _records(later[0])]
    assert any(t not in texts for t in new)
    docs = [json.loads(p.read_text()) for p in later[0].glob("*.json")]
    assert {d["run_id"] for d in docs if "results" in d} == {later[0].name}


def test_one_run_keeps_the_source_shape_with_new_text(profile, tmp_path: Path) -> None:
    (folder,) = _synthetic.generate(profile, tmp_path, profile.run_size, seed=0)
    source = {(c, s, q): r for c, s, q, r in _records(SOURCE)}
    synth = {(c, s, q): r for c, s, q, r in _records(folder)}
    assert synth.keys() == source.keys()
    assert {p.name for p in folder.glob("*.json")} == {p.name for p in SOURCE.glob("*.json")}
    new_text = answered = 0
    for key, rec in synth.items():
        src = source[key]
        assert list(rec) == [k for k in src if k in rec]
        assert rec["completion_tokens"] == src["completion_tokens"]
        assert type(rec["tokens_per_second"]) is type(src["tokens_per_second"])
        if key[1] == _synthetic.SPEED_SUITE:
            assert rec["response"] == src["response"]
            continue
        answered += 1
        new_text += rec["response"] != src["response"]
        if str(src["completion_tokens"]) in {str(c) for c in _synthetic.CAPPED_TOKENS}:
            assert len(rec["response"]) >= len(src["response"]) * 0.99
        assert (rec["response"].count("<think>") > 0) == (src["response"].count("<think>") > 0)
    assert new_text >= 0.8 * answered  # only bare prompt echoes come out as the source's


def test_loops_and_unclosed_think_are_what_the_detectors_see() -> None:
    from judge.detectors import detect_degenerate, detect_truncated

    base = dict(suite="math", question_id="q", prompt="", numbers={}, score_reason=None)
    loop = _synthetic.RecordShape(
        **base,
        length=6000,
        echo=False,
        echo_tail=None,
        think="",
        code=False,
        loop=0.3,
        response=None,
    )
    prose = _synthetic.RecordShape(
        **base,
        length=6000,
        echo=False,
        echo_tail=None,
        think="",
        code=False,
        loop=None,
        response=None,
    )
    think = _synthetic.RecordShape(
        **base, length=3000, echo=False, echo_tail=None, think="open", code=False, loop=None,
        response=None,
    )  # fmt: skip
    for seed in range(5):
        rng = random.Random(seed)
        looped = _synthetic.synth_text(rng, loop, 6000, None)
        plain = _synthetic.synth_text(rng, prose, 6000, None)
        assert detect_degenerate(looped) is not None
        assert detect_degenerate(plain) is None
        assert _synthetic._loop_from(looped) is not None
        assert _synthetic._loop_from(plain) is None
        open_think = _synthetic.synth_text(rng, think, 3000, None)
        assert detect_truncated(open_think, 100, 2048) is not None
        assert len(plain) == 6000


def test_real_ingest_loads_every_record(profile, tmp_path: Path) -> None:
    from rescore.cli import main

    n = profile.run_size + profile.run_size // 2
    folders = _synthetic.generate(profile, tmp_path / "runs", n, seed=1)
    wh = tmp_path / "w.duckdb"
    assert main(["--warehouse", str(wh), "ingest", str(SUITES), *map(str, folders)]) == 0
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("select count(*) from raw.responses").fetchone()[0] == n
    kinds = {k for (k,) in con.execute("select distinct kind from raw.ingest_errors").fetchall()}
    assert kinds <= SKIP_KINDS
    skipped = con.execute(
        "select count(*) from raw.ingest_errors where kind = 'other-shape file'"
    ).fetchone()[0]
    configs = sum(1 for f in folders for p in f.glob("*.json") if _records_in(p))
    aggregates = sum(1 for f in folders for p in f.glob("*.json")) - configs
    assert skipped == aggregates > 0
    con.close()


def _records_in(path: Path) -> bool:
    doc = json.loads(path.read_text())
    return isinstance(doc, dict) and isinstance(doc.get("results"), dict)
