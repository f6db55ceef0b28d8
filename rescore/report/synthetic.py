"""A synthetic warehouse in the shape of the mart contract, for site tests and the benchmark.

The site only reads `marts.*` and a few `raw.*` tables (ARCHITECTURE.md). Tests of the site
must not wait for (or break with) the ingest, judge and dbt stages, so this module writes the
contract tables directly: the raw schema through `rescore.warehouse.connect`, and mart tables
with exactly the contract's columns. Numbers are derived from a seeded RNG, never typed in, so
tests compare the pages against SQL over this warehouse rather than against constants.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from rescore.warehouse import connect, response_id

CATEGORIES = {
    "thinking": "thinking",
    "draft": "draft",
    "architect_general": "architect_ingest",
    "ingest_long_context": "architect_ingest",
    "coder_primary": "coder_tool_vision",
    "frontdoor": "coder_tool_vision",
    "worker_general": "general_worker",
}
SUITES = ("math", "general", "coder", "agentic")

# Text a malicious or broken model could produce: the site must show it, never run it.
HOSTILE = (
    '<script>window.__rescore_pwned = 1; document.title = "pwned";</script>'
    '</details></pre><img src=x onerror="window.__rescore_pwned=2">'
    " **bold** [link](javascript:alert(1))"
)


@dataclass(frozen=True)
class SyntheticSpec:
    """How big a synthetic warehouse to write."""

    configs_per_role: int = 2
    questions_per_suite: int = 3
    scoring_runs: tuple[str, ...] = ("2026-01-01-rules", "2026-01-16-blind")
    speed_only_configs: int = 0  # extra configs holding one unjudged speed-test record
    seed: int = 7


def build_synthetic_warehouse(path: Path, spec: SyntheticSpec | None = None) -> Path:
    """Write a warehouse with raw tables and contract-shaped marts; return its path."""
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
        for role in CATEGORIES:
            for i in range(spec.configs_per_role):
                model = f"Model-{role.split('_')[0].title()}-{i}B-Q4_K_M"
                configs.append((f"{role}_cfg{i}", role, model))
        # One model under two roles of the same category, as in the real run.
        configs.append(("frontdoor_shared", "frontdoor", "Shared-Coder-30B-Q4_K_M"))
        configs.append(("coder_primary_shared", "coder_primary", "Shared-Coder-30B-Q4_K_M"))
        response_rows = []
        for config, role, model in configs:
            con.execute(
                "insert into raw.configs (run_id, config, role, config_name, model_path, model,"
                " quant, response_count, source_file, file_sha256, loaded_at)"
                " values (?, ?, ?, 'baseline', ?, ?, 'Q4_K_M', ?, ?, 'x', now())",
                [
                    run_id,
                    config,
                    role,
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
            role = list(CATEGORIES)[i % len(CATEGORIES)]
            config = f"{role}_spec_draft_k{i}"
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
                "insert into raw.scoring_runs values (?, 'rules-v1', 'rubric-0-3-v1', 'judge',"
                " null, null, now() + to_days(?), now() + to_days(?), null)",
                [scoring_run, s_index, s_index],
            )
            con.executemany(
                "insert into raw.judgments (scoring_run, response_id, judge, rubric_version,"
                " score, reason, judged_at) values (?, ?, 'rules-v1', 'rubric-0-3-v1', ?, ?,"
                " now())",
                [
                    (
                        scoring_run,
                        r[0],
                        rng.randint(0, 3),
                        "reason with <b>markup</b> & </details> for " + r[4],
                    )
                    for r in judged
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
        _write_marts(con)
    return path


def _write_marts(con) -> None:
    """Marts with the contract's columns, computed by SQL from the raw tables above."""
    cat_values = ", ".join(f"('{role}', '{cat}')" for role, cat in CATEGORIES.items())
    con.execute("create schema if not exists marts")
    con.execute(
        f"create or replace temp table role_category(role, category) as values {cat_values}"
    )
    con.execute(
        """
        create or replace table marts.suite_scores as
        select j.scoring_run, r.config, r.suite, sum(j.score)::double as score,
               3.0 * count(*) as max_score, 100.0 * sum(j.score) / (3.0 * count(*)) as pct
        from raw.judgments j join raw.responses r using (response_id)
        group by all
        """
    )
    con.execute(
        """
        create or replace table marts.leaderboard as
        with tps as (
            select config, avg(tokens_per_second) as avg_tps, count(*) as responses
            from raw.responses group by config
        ), trunc as (
            select r.config, count(*) as truncated from raw.response_flags f
            join raw.responses r using (response_id) where f.flag = 'truncated' group by 1
        ), scored as (
            select j.scoring_run, c.config, c.model, c.role, rc.category,
                   sum(j.score)::double as score, 3.0 * count(*) as max_score,
                   100.0 * sum(j.score) / (3.0 * count(*)) as pct, count(*) as judged
            from raw.judgments j join raw.responses r using (response_id)
            join raw.configs c on c.config = r.config and c.run_id = r.run_id
            join role_category rc on rc.role = c.role
            group by all
        )
        select s.scoring_run, s.category, s.config, s.model, s.role, s.score, s.max_score,
               s.pct, t.avg_tps, t.responses, s.judged, coalesce(tr.truncated, 0) as truncated,
               rank() over (partition by s.scoring_run, s.category order by s.pct desc) as rank,
               case when coalesce(tr.truncated, 0) > s.judged / 3 then 'many truncations'
                    else '' end as notes
        from scored s join tps t using (config) left join trunc tr using (config)
        """
    )
    # Per-category picks (pick_group null) and the report's pick groups (one per category
    # here, plus the draft speed pick), with the mart's rule text and judged floor.
    con.execute(
        """
        create or replace table marts.top_performers as
        with best as (
            select *, row_number() over (partition by scoring_run, category
                                         order by pct desc, avg_tps desc, config) as n,
                   row_number() over (partition by scoring_run, category
                                      order by avg_tps desc, config) as fastest
            from marts.leaderboard
        ), picks as (
            select scoring_run, category, 'quality' as pick, config, model, role, score,
                   max_score, pct, avg_tps, judged,
                   'highest pct; ties broken by higher avg_tps, then config name' as rule
            from best where n = 1
            union all
            select scoring_run, category, 'speed', config, model, role, score, max_score, pct,
                   avg_tps, judged, 'highest avg_tps among configs with pct >= 0'
            from best where fastest = 1 and category = 'draft'
        ), categories as (
            select category, row_number() over (order by category) as pick_order
            from (select distinct category from marts.leaderboard)
        )
        select p.scoring_run, p.category, p.pick, p.config, p.model, p.role, p.score,
               p.max_score, p.pct, p.avg_tps, p.rule, null::varchar as pick_group,
               null::varchar as pick_label, null::integer as pick_order, p.judged,
               true as has_min_judged
        from picks p
        union all
        select p.scoring_run, p.category, 'group_' || p.pick, p.config, p.model, p.role,
               p.score, p.max_score, p.pct, p.avg_tps,
               p.rule || ' among the pick group''s configs', p.category,
               upper(p.category[1]) || p.category[2:] || ' (' || p.pick || ')',
               (2 * c.pick_order + (p.pick = 'speed')::int)::integer, p.judged,
               p.category <> 'general_worker'
        from picks p join categories c using (category)
        """
    )
    con.execute(
        """
        create or replace table marts.models_to_avoid as
        select scoring_run, config, model, pct,
               'scores ' || round(pct)::int || '% (below 40%)' as reason
        from marts.leaderboard where pct < 40
        """
    )
    con.execute(
        """
        create or replace table marts.drift as
        select l.scoring_run, b.baseline, l.config, l.model, l.category, b.pct as previous_pct,
               b.pct_text as previous_pct_text, l.pct, l.pct - b.pct as delta_pct,
               case when l.truncated > 0 then 'truncation: ' || l.truncated
                    || ' responses hit the token cap' end as likely_cause
        from marts.leaderboard l join raw.baselines b on b.subject = l.config
        """
    )
    con.execute(
        """
        create or replace table marts.judge_agreement as
        select a.scoring_run as scoring_run_a, b.scoring_run as scoring_run_b,
               count(*) as n, avg((a.score = b.score)::int) as exact_agreement,
               avg((abs(a.score - b.score) <= 1)::int) as within_one,
               0.5 as weighted_kappa
        from raw.judgments a join raw.judgments b
          on a.response_id = b.response_id and a.scoring_run < b.scoring_run
        group by all
        """
    )
    con.execute(
        """
        create or replace table marts.critical_issues as
        select l.scoring_run, l.config, l.model, l.role, l.category,
               'degenerate repetition' as issue, 'critical' as severity, f.evidence
        from raw.response_flags f join raw.responses r using (response_id)
        join marts.leaderboard l on l.config = r.config
        where f.flag = 'degenerate'
        """
    )
    con.execute(
        """
        create or replace table marts.suite_observations as
        with q as (
            select j.scoring_run, r.suite, r.question_id,
                   100.0 * sum(j.score) / (3.0 * count(*)) as pct, max(j.score) as best
            from raw.judgments j join raw.responses r using (response_id) group by all
        ), hardest as (
            select scoring_run, suite, arg_min(question_id, pct) as hardest_question,
                   min(pct) as hardest_question_pct, count(*) as questions,
                   count(*) filter (where best < 3) as questions_never_full_marks
            from q group by all
        )
        select s.scoring_run, s.suite, count(*) as configs, avg(s.pct) as avg_pct,
               min(s.pct) as min_pct, max(s.pct) as max_pct, max(s.pct) < 90 as is_all_low,
               case when max(s.pct) < 90 then 'every config below 90%' end as observation,
               round(min(s.pct))::int || '-' || round(max(s.pct))::int || '%' as pct_range,
               any_value(h.questions) as questions,
               any_value(h.questions_never_full_marks) as questions_never_full_marks,
               any_value(h.hardest_question) as hardest_question,
               any_value(h.hardest_question_pct) as hardest_question_pct
        from marts.suite_scores s join hardest h using (scoring_run, suite)
        group by s.scoring_run, s.suite
        """
    )
    # marts.findings (dbt/models/marts/findings.yml), computed from the marts above.
    con.execute(
        """
        create or replace table marts.findings as
        select scoring_run, 'totals:' || scoring_run as finding_id, 'totals' as kind,
               'scoring_run' as scope, scoring_run as subject, 'info' as severity,
               count(*) || ' configs (' || count(distinct model) || ' models) scored on '
                   || sum(judged) || ' judged responses' as headline,
               'score ' || sum(score)::bigint || '/' || sum(max_score)::bigint as evidence,
               sum(judged)::double as metric, 'judged_responses' as metric_name
        from marts.leaderboard group by scoring_run
        union all
        select scoring_run, 'critical_config:' || config, 'critical_config', 'config', config,
               'critical', model || ': ' || string_agg(issue, ' + ') || ' <' || config || '>',
               string_agg(evidence, '; '), count(*)::double, 'issues'
        from marts.critical_issues group by scoring_run, config, model
        union all
        select scoring_run, 'suite_all_low:' || suite, 'suite_all_low', 'suite', suite,
               'moderate', 'all ' || configs || ' configs score ' || pct_range || ' on ' || suite,
               'mean ' || round(avg_pct, 1) || '%; hardest question ' || hardest_question,
               max_pct, 'max_config_pct'
        from marts.suite_observations where is_all_low
        union all
        select scoring_run, 'category_drift:' || category || ':' || baseline, 'category_drift',
               'category_baseline', category, 'info',
               category || ' configs scored lower than in ' || baseline || ': '
                   || count(*) filter (where delta_pct < 0) || ' of ' || count(*),
               'changes ' || round(min(delta_pct), 1) || ' to ' || round(max(delta_pct), 1)
                   || ' points', avg(delta_pct), 'mean_delta_points'
        from marts.drift group by scoring_run, category, baseline
        having avg(delta_pct) < 0
        """
    )
