{#-
    Per (scoring_run, baseline, config): how a config's pct moved against a baseline. Two kinds of
    baseline: an imported summary (raw.baselines) and every earlier scoring run that judged the
    same config. Like-for-like matching: a summary row applies at its own key only. A row keyed
    by config (subject_kind config) to that config; a row keyed by model to that model's plain
    baseline config (config_name 'baseline'); a row keyed by model and expert count
    (`<model>_moe<N>`) to the config of that model with N experts. Speculative and lookup configs
    carry their base's quality and get no quality drift of their own.
    delta interval: 95%, Newcombe's hybrid of the two Wilson intervals (pct on the judged
    responses now, previous_pct on previous_judged then: the summary's question count or the
    earlier scoring run's judged responses). is_significant when it excludes 0; direction is
    regression / gain only when significant, else unchanged. comparability says how alike the
    two sides are (coverage now vs then); lead_rank orders a baseline's rows so that rows with
    fewer than drift_min_judged judged responses never lead. likely_cause names what the data
    shows: a high truncation share among the judged responses, and the suite that moved most
    when per-suite scores exist on both sides.
-#}
with

leaderboard as (

    select * from {{ ref('leaderboard') }}

),

baselines as (

    select * from {{ ref('stg_rescore__baselines') }}

),

baseline_suites as (

    select * from {{ ref('int_baseline_suites_parsed') }}

),

suite_scores as (

    select * from {{ ref('suite_scores') }}

),

scoring_runs as (

    select * from {{ ref('stg_rescore__scoring_runs') }}

),

configs_linked as (

    select * from {{ ref('int_configs_linked') }}

),

leaderboard_keyed as (

    select
        leaderboard.*,
        case
            when configs_linked.is_accelerated then null
            when configs_linked.config_name = 'baseline' then lower(leaderboard.model)
            when configs_linked.experts is not null and configs_linked.parse_status = 'parsed'
                then lower(leaderboard.model) || '_moe' || configs_linked.experts
        end as model_key,
        coalesce(configs_linked.is_accelerated, false) as is_accelerated

    from leaderboard
    left join configs_linked
        on
            leaderboard.run_id = configs_linked.run_id
            and leaderboard.config = configs_linked.config

),

summary_matches as (

    select
        leaderboard.scoring_run,
        baselines.baseline,
        'summary' as baseline_kind,
        leaderboard.run_id,
        leaderboard.config,
        baselines.subject,
        baselines.subject_kind,
        baselines.pct as previous_pct,
        baselines.pct_text as previous_pct_text,
        baselines.max_score as previous_judged

    from leaderboard_keyed as leaderboard
    inner join baselines
        on
            (baselines.subject_kind = 'config' and leaderboard.config = baselines.subject)
            or (
                baselines.subject_kind = 'model'
                and leaderboard.model_key = lower(baselines.subject)
            )
    where baselines.pct is not null and not leaderboard.is_accelerated

),

earlier_scoring_run_matches as (

    select
        current_run.scoring_run,
        previous_run.scoring_run as baseline,
        'scoring_run' as baseline_kind,
        current_run.run_id,
        current_run.config,
        current_run.config as subject,
        'config' as subject_kind,
        previous_run.pct as previous_pct,
        format('{:.1f}%', previous_run.pct) as previous_pct_text,
        previous_run.judged as previous_judged

    from leaderboard_keyed as current_run
    inner join leaderboard as previous_run
        on
            current_run.run_id = previous_run.run_id
            and current_run.config = previous_run.config
    inner join scoring_runs as current_meta
        on current_run.scoring_run = current_meta.scoring_run
    inner join scoring_runs as previous_meta
        on previous_run.scoring_run = previous_meta.scoring_run
    where
        not current_run.is_accelerated
        and (
            previous_meta.created_at < current_meta.created_at
            or (
                previous_meta.created_at = current_meta.created_at
                and previous_meta.scoring_run < current_meta.scoring_run
            )
        )

),

matches as (

    select * from summary_matches
    union all
    select * from earlier_scoring_run_matches

),

suite_moves as (

    select
        matches.scoring_run,
        matches.baseline,
        matches.baseline_kind,
        matches.run_id,
        matches.config,
        suite_scores.suite,
        suite_scores.pct as suite_pct,
        coalesce(baseline_suites.suite_pct, previous_suites.pct) as previous_suite_pct

    from matches
    inner join suite_scores
        on
            matches.scoring_run = suite_scores.scoring_run
            and matches.run_id = suite_scores.run_id
            and matches.config = suite_scores.config
    left join baseline_suites
        on
            matches.baseline_kind = 'summary'
            and matches.baseline = baseline_suites.baseline
            and matches.subject = baseline_suites.subject
            and suite_scores.suite = baseline_suites.suite
    left join suite_scores as previous_suites
        on
            matches.baseline_kind = 'scoring_run'
            and matches.baseline = previous_suites.scoring_run
            and matches.run_id = previous_suites.run_id
            and matches.config = previous_suites.config
            and suite_scores.suite = previous_suites.suite
    where coalesce(baseline_suites.suite_pct, previous_suites.pct) is not null

),

biggest_suite_move as (

    select
        scoring_run,
        baseline,
        baseline_kind,
        run_id,
        config,
        arg_max(suite, abs(suite_pct - previous_suite_pct)) as moved_suite,
        arg_max(previous_suite_pct, abs(suite_pct - previous_suite_pct))
            as moved_suite_previous_pct,
        arg_max(suite_pct, abs(suite_pct - previous_suite_pct)) as moved_suite_pct

    from suite_moves
    group by scoring_run, baseline, baseline_kind, run_id, config

),

drift_joined as (

    select
        matches.scoring_run,
        matches.baseline,
        matches.baseline_kind,
        matches.run_id,
        matches.config,
        leaderboard.model,
        leaderboard.role,
        leaderboard.category,
        matches.subject,
        matches.subject_kind,
        matches.previous_pct,
        matches.previous_pct_text,
        matches.previous_judged,
        leaderboard.pct,
        leaderboard.pct_ci_low,
        leaderboard.pct_ci_high,
        {{ wilson_low('matches.previous_pct / 100.0', 'matches.previous_judged') }}
            as previous_ci_low,
        {{ wilson_high('matches.previous_pct / 100.0', 'matches.previous_judged') }}
            as previous_ci_high,
        leaderboard.judged,
        leaderboard.judged_truncated,
        biggest_suite_move.moved_suite,
        biggest_suite_move.moved_suite_previous_pct,
        biggest_suite_move.moved_suite_pct,
        leaderboard.pct - matches.previous_pct as delta_pct,
        leaderboard.judged_truncated / leaderboard.judged as judged_truncated_share

    from matches
    inner join leaderboard
        on
            matches.scoring_run = leaderboard.scoring_run
            and matches.run_id = leaderboard.run_id
            and matches.config = leaderboard.config
    left join biggest_suite_move
        on
            matches.scoring_run = biggest_suite_move.scoring_run
            and matches.baseline = biggest_suite_move.baseline
            and matches.baseline_kind = biggest_suite_move.baseline_kind
            and matches.run_id = biggest_suite_move.run_id
            and matches.config = biggest_suite_move.config

),

drift_intervals as (

    select
        *,
        delta_pct - sqrt(
            power(pct - pct_ci_low, 2) + power(previous_ci_high - previous_pct, 2)
        ) as delta_ci_low,
        delta_pct + sqrt(
            power(pct_ci_high - pct, 2) + power(previous_pct - previous_ci_low, 2)
        ) as delta_ci_high,
        judged / nullif(previous_judged, 0) as coverage_ratio,
        judged >= {{ var('drift_min_judged') }} as has_enough_judged

    from drift_joined

),

drift_classified as (

    select
        *,
        coalesce(delta_ci_low > 0 or delta_ci_high < 0, false) as is_significant,
        case
            when coalesce(delta_ci_high < 0, false) then 'regression'
            when coalesce(delta_ci_low > 0, false) then 'gain'
            else 'unchanged'
        end as direction,
        case
            when not has_enough_judged then 'too_few_judged'
            when coverage_ratio between 0.8 and 1.25 then 'like_for_like'
            else 'different_coverage'
        end as comparability,
        format(
            '{} judged now, {} then',
            judged,
            coalesce(previous_judged::bigint::varchar, 'unknown')
        ) as coverage_note

    from drift_intervals

),

final as (

    select
        *,
        row_number() over (
            partition by scoring_run, baseline
            order by
                has_enough_judged desc,
                is_significant desc,
                abs(delta_pct) desc,
                config asc,
                run_id asc
        ) as lead_rank,
        nullif(concat_ws(
            '; ',
            case
                when judged_truncated_share >= {{ var('drift_truncation_share') }}
                    then format(
                        'truncation: {} of {} judged responses hit the token cap',
                        judged_truncated,
                        judged
                    )
            end,
            case
                when
                    abs(moved_suite_pct - moved_suite_previous_pct)
                    >= {{ var('drift_suite_move_points') }}
                    then format(
                        'suite {} moved from {:.0f}% to {:.0f}%',
                        moved_suite,
                        moved_suite_previous_pct,
                        moved_suite_pct
                    )
            end
        ), '') as likely_cause

    from drift_classified

)

select * from final
