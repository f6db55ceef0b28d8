"""Synthetic RAW rows for the site tests, turned into marts by the real dbt project.

There is no second implementation of the marts: this module writes only the `raw` schema
(through `rescore.warehouse.connect`, so the DDL is the real one), and :func:`build_marts`
runs `dbt build` over it. Numbers come from a seeded RNG, never typed in, so tests compare
pages against SQL over the built marts. Hostile names and texts are part of the data: the site
must show them, never run them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from rescore.warehouse import connect, response_id

# Config prefix -> role (a role of the role_categories seed, so dbt categorises it).
ROLES = {
    "thinking": "thinking_deepseek_r1_distill_llama_70b",
    "draft": "draft_qwen3_0_6b",
    "architect_general": "architect_general",
    "ingest_long_context": "ingest_long_context",
    "coder_primary": "coder_primary",
    "frontdoor": "frontdoor",
    "worker_general": "worker_general",
}
SUITES = ("math", "general", "coder", "agentic")

# Text a malicious or broken model could produce: the site must show it, never run it.
HOSTILE = (
    '<script>window.__rescore_pwned = 1; document.title = "pwned";</script>'
    '</details></pre><img src=x onerror="window.__rescore_pwned=2">'
    " **bold** [link](javascript:alert(1))"
)


HOSTILE_CONFIG = 'worker_general_"><svg onload=window.__rescore_pwned=3>'
HOSTILE_MODEL = "<script>window.__rescore_pwned=4</script>Evil-7B-Q4_K_M"


@dataclass(frozen=True)
class SyntheticSpec:
    """How big a synthetic warehouse to write."""

    configs_per_role: int = 2
    questions_per_suite: int = 3
    scoring_runs: tuple[str, ...] = ("2026-01-01-rules", "2026-01-16-blind")
    speed_only_configs: int = 0  # extra configs holding one unjudged speed-test record
    hostile_names: bool = True  # one config whose config and model names are markup
    seed: int = 7


def write_raw(path: Path, spec: SyntheticSpec | None = None) -> Path:
    """Write a warehouse holding only raw rows; return its path."""
    spec = spec or SyntheticSpec()
    rng = random.Random(spec.seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    run_id = "20260101_120000"
    with connect(path) as con:
        con.execute("insert into raw.runs values (?, 'examples/runs', 1, 0, now())", [run_id])
        for suite in SUITES:
            con.execute(
                "insert into raw.suites (suite, version, domain, description, max_tokens,"
                " question_count, source_file, file_sha256, loaded_at)"
                " values (?, '1', ?, ?, 512, ?, ?, 'x', now())",
                [
                    suite,
                    suite,
                    f"{suite} questions",
                    spec.questions_per_suite,
                    f"prompts/{suite}.yaml",
                ],
            )
            for q in range(spec.questions_per_suite):
                con.execute(
                    "insert into raw.questions (suite, question_id, tier, name, prompt,"
                    " expected, reference_answer, source_file, source_path)"
                    " values (?, ?, 1, ?, ?, ?, ?, ?, ?)",
                    [
                        suite,
                        f"t1_q{q}",
                        f"question {q}",
                        f"What is {q}+{q}?",
                        str(2 * q),
                        str(2 * q),
                        f"prompts/{suite}.yaml",
                        f"prompts.t1_q{q}",
                    ],
                )
        configs: list[tuple[str, str, str]] = []
        for prefix, role in ROLES.items():
            for i in range(spec.configs_per_role):
                model = f"Model-{prefix.split('_')[0].title()}-{i}B-Q4_K_M"
                configs.append((f"{prefix}_cfg{i}", role, model))
        # One model under two roles of the same category, as in the real run.
        configs.append(("frontdoor_shared", "frontdoor", "Shared-Coder-30B-Q4_K_M"))
        configs.append(("coder_primary_shared", "coder_primary", "Shared-Coder-30B-Q4_K_M"))
        if spec.hostile_names:  # names are untrusted text too (issue 11.5)
            configs.append((HOSTILE_CONFIG, "worker_general", HOSTILE_MODEL))
        response_rows = []
        for n, (config, role, model) in enumerate(configs):
            # One baseline per role; the role's other configs are MoE experiments.
            index = int(config.rsplit("cfg", 1)[1]) if "_cfg" in config else n
            config_name = "baseline" if index == 0 else f"moe{2 + 2 * index}"
            con.execute(
                "insert into raw.configs (run_id, config, role, config_name, model_path, model,"
                " quant, response_count, source_file, file_sha256, loaded_at)"
                " values (?, ?, ?, ?, ?, ?, 'Q4_K_M', ?, ?, 'x', now())",
                [
                    run_id,
                    config,
                    role,
                    config_name,
                    f"/models/{model}.gguf",
                    model,
                    len(SUITES) * spec.questions_per_suite,
                    f"runs/{config}.json",
                ],
            )
            for suite in SUITES:
                for q in range(spec.questions_per_suite):
                    rid = response_id(run_id, config, suite, f"t1_q{q}")
                    text = f"The answer is {2 * q}." if rng.random() > 0.3 else "I am not sure."
                    if config == configs[0][0] and suite == SUITES[0] and q == 0:
                        text = HOSTILE
                    tokens = rng.choice([120, 300, 512])
                    response_rows.append(
                        (
                            rid,
                            run_id,
                            config,
                            suite,
                            f"t1_q{q}",
                            f"What is {q}+{q}?",
                            text,
                            round(rng.uniform(5, 150), 1),
                            40,
                            tokens,
                            1000.0,
                            None,
                            None,
                            None,
                            512,
                            None,
                            False,
                            True,
                            f"runs/{config}.json",
                            f"results.{suite}.t1_q{q}",
                        )
                    )
        speed_configs = []
        for i in range(spec.speed_only_configs):
            prefix = list(ROLES)[i % len(ROLES)]
            role = ROLES[prefix]
            config = f"{prefix}_spec_draft_k{i}"
            speed_configs.append(config)
            con.execute(
                "insert into raw.configs (run_id, config, role, config_name, model, "
                "response_count, source_file, file_sha256, loaded_at)"
                " values (?, ?, ?, ?, 'Speed-1B', 1, 'x', 'x', now())",
                [run_id, config, role, f"spec_draft_k{i}"],
            )
            response_rows.append(
                (
                    response_id(run_id, config, "speed", "speed_test"),
                    run_id,
                    config,
                    "speed",
                    "speed_test",
                    "speed",
                    "quality inherited",
                    50.0,
                    10,
                    100,
                    100.0,
                    None,
                    None,
                    None,
                    512,
                    None,
                    True,
                    False,
                    "x",
                    "results.speed.speed_test",
                )
            )
        con.executemany(
            "insert into raw.responses values (" + ",".join(["?"] * 20) + ")", response_rows
        )
        judged = [r for r in response_rows if not r[16]]
        for s_index, scoring_run in enumerate(spec.scoring_runs):
            con.execute(
                "insert into raw.scoring_runs (scoring_run, judge, rubric_version, origin,"
                " source_files, settings, created_at, updated_at, rubric) values (?, 'rules-v1',"
                " 'rubric-0-3-v1', 'judge', null, null, now() + to_days(?), now() + to_days(?),"
                " '3 = correct and complete; 0 = wrong <b>or</b> empty')",
                [scoring_run, s_index, s_index],
            )
            con.executemany(
                "insert into raw.judgments (scoring_run, response_id, judge, rubric_version,"
                " score, reason, judged_at, decided_by) values (?, ?, 'rules-v1', 'rubric-0-3-v1',"
                " ?, ?, now(), ?)",
                [
                    (
                        scoring_run,
                        r[0],
                        rng.randint(0, 3),
                        "reason with <b>markup</b> & </details> for " + r[4],
                        ("rules", "overlap", "model")[i % 3],
                    )
                    for i, r in enumerate(judged)
                ],
            )
        flags = [
            (r[0], "truncated", "completion_tokens=512 (cap 512)") for r in judged if r[9] == 512
        ]
        flags.append((judged[1][0], "degenerate", "repeated 4-gram x12: 'No assertions. No'"))
        con.executemany(
            "insert into raw.response_flags values (?, ?, ?, 'detectors-v1', now())", flags
        )
        con.execute(
            "insert into raw.baselines (baseline, subject, subject_kind, pct, pct_text,"
            " source_file, source_line, loaded_at) select 'previous', config, 'config', 90,"
            " '90%', 'summary.csv', row_number() over (), now() from raw.configs"
            " where config not like '%spec%'"
        )
    return path


def build_marts(path: Path, target: Path) -> int:
    """`dbt build` of the whole project over the warehouse (dbt artifacts under `target`)."""
    from rescore.dbt_runner import run_dbt_build

    return run_dbt_build(path, target_path=target)


def build_synthetic_warehouse(
    path: Path, spec: SyntheticSpec | None = None, target: Path | None = None
) -> Path:
    """Raw rows plus real marts: the warehouse the site tests and the benchmark read."""
    write_raw(path, spec)
    build_marts(path, target or path.parent / "dbt-target")
    return path


def project_marts(target: Path) -> list[str]:
    """The mart models of the dbt project, from the manifest dbt wrote (never retyped)."""
    import json

    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    return sorted(
        n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n.get("schema") == "marts"
    )
