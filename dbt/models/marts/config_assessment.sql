{#-
    The decision model (issue 10.4): one row per (scoring_run, run_id, config) of the leaderboard
    saying whether the config is to avoid (and why), which caveats go with it, and whether it may
    be picked. top_performers, models_to_avoid, critical_issues and the findings about configs
    all derive from this one table, so no config is both picked and avoided and every critical
    issue is a reason to avoid.

    Avoid when any holds:
    - its pct on the suites relevant to its role is below avoid_below_pct, given at least
      avoid_min_judged relevant judgments;
    - its pct is below critical_below_pct, given at least rank_min_judged judgments;
    - it echoes the prompt or answers empty at or above the critical rates;
    - it degenerates at or above critical_degenerate_rate AND "degenerates instead of answering":
      fewer than loop_answered_min_share of its judged degenerate responses scored
      >= loop_answered_min_score. A config whose degenerate responses mostly still answered
      "answers, then loops": a caveat, not a reason to avoid.
    May be picked when ranked (leaderboard coverage rule), not to avoid, and judged on at least
    pick_min_judged answers of its pick group's speciality suites (seed speciality_suites).

    avoid_evidence grades an avoid, so models_to_avoid can keep a short list a human reads:
    - not_enough_judged: the config is unranked (leaderboard coverage rule);
    - clear: it degenerates instead of answering, echoes or answers empty at a critical rate
      (detector facts about what it returned, not a judge's sample), or the 95% Wilson interval
      of the pct it was flagged on (relevant_pct for the relevant-suite rule, pct for the very
      low rule) lies wholly below avoid_list_below_pct;
    - within_noise: flagged on a pct whose interval reaches avoid_list_below_pct (it may score
      as well as a kept config; still never picked).
-#}
with

leaderboard as (

    select * from {{ ref('leaderboard') }}

),

detector_rates as (

    select * from {{ ref('int_detector_rates') }}

),

role_pick_groups as (

    select * from {{ ref('role_pick_groups') }}

),

critical_rates as (

    select
        run_id,
        config,
        bool_or(is_critical and detector = 'degenerate') as is_degenerate_critical,
        bool_or(is_critical and detector = 'echo') as is_echo_critical,
        bool_or(is_critical and detector = 'empty') as is_empty_critical

    from detector_rates
    group by run_id, config

),

signals as (

    select
        leaderboard.scoring_run,
        leaderboard.run_id,
        leaderboard.config,
        leaderboard.category,
        leaderboard.model,
        leaderboard.role,
        leaderboard.speciality,
        role_pick_groups.pick_group,
        leaderboard.base_config,
        leaderboard.is_experiment,
        leaderboard.is_ranked,
        leaderboard.unranked_reason,
        leaderboard.score,
        leaderboard.max_score,
        leaderboard.pct,
        leaderboard.pct_ci_low,
        leaderboard.pct_ci_high,
        leaderboard.judged,
        leaderboard.relevant_judged,
        leaderboard.relevant_pct,
        {{ wilson_low('leaderboard.relevant_pct / 100.0', 'leaderboard.relevant_judged') }}
            as relevant_pct_ci_low,
        {{ wilson_high('leaderboard.relevant_pct / 100.0', 'leaderboard.relevant_judged') }}
            as relevant_pct_ci_high,
        leaderboard.avg_tps,
        leaderboard.weighted_tps,
        leaderboard.responses,
        leaderboard.truncated_rate,
        leaderboard.degenerate_rate,
        leaderboard.echo_rate,
        leaderboard.empty_rate,
        leaderboard.judged_degenerate,
        leaderboard.judged_degenerate_answered,
        leaderboard.notes,
        coalesce(critical_rates.is_echo_critical, false) as is_echo_critical,
        coalesce(critical_rates.is_empty_critical, false) as is_empty_critical,
        case
            when not coalesce(critical_rates.is_degenerate_critical, false) then 'none'
            when
                leaderboard.judged_degenerate > 0
                and leaderboard.judged_degenerate_answered
                >= {{ var('loop_answered_min_share') }} * leaderboard.judged_degenerate
                then 'answers_then_loops'
            else 'degenerates_instead'
        end as degeneration_mode,
        coalesce(
            leaderboard.relevant_judged >= {{ var('avoid_min_judged') }}
            and leaderboard.relevant_pct < {{ var('avoid_below_pct') }},
            false
        ) as is_below_threshold,
        (
            leaderboard.judged >= {{ var('rank_min_judged') }}
            and leaderboard.pct < {{ var('critical_below_pct') }}
        ) as is_very_low

    from leaderboard
    left join critical_rates
        on
            leaderboard.run_id = critical_rates.run_id
            and leaderboard.config = critical_rates.config
    left join role_pick_groups
        on leaderboard.role = role_pick_groups.role

),

assessed as (

    select
        *,
        (
            is_below_threshold
            or is_very_low
            or is_echo_critical
            or is_empty_critical
            or degeneration_mode = 'degenerates_instead'
        ) as is_avoid,
        nullif(concat_ws(
            '; ',
            case
                when is_below_threshold
                    then format(
                        '{:.1f}% on its relevant suites (below {}%)',
                        relevant_pct,
                        {{ var('avoid_below_pct') }}
                    )
            end,
            case
                when is_very_low and not is_below_threshold
                    then format(
                        'scores {:.1f}% (below {}%)', pct, {{ var('critical_below_pct') }}
                    )
            end,
            case
                when degeneration_mode = 'degenerates_instead'
                    then format(
                        'degenerates instead of answering in {:.0f}% of responses',
                        100 * degenerate_rate
                    )
            end,
            case
                when is_echo_critical
                    then format('echoes the prompt in {:.0f}% of responses', 100 * echo_rate)
            end,
            case
                when is_empty_critical
                    then format('empty answers in {:.0f}% of responses', 100 * empty_rate)
            end
        ), '') as avoid_reason,
        nullif(concat_ws(
            '; ',
            case
                when degeneration_mode = 'answers_then_loops'
                    then format(
                        'answers, then loops: {:.0f}% of responses degenerate after answering',
                        100 * degenerate_rate
                    )
            end,
            case
                when truncated_rate >= {{ var('note_truncation_rate') }}
                    then format('{:.0f}% of responses hit the token cap', 100 * truncated_rate)
            end
        ), '') as caveats

    from signals

),

final as (

    select
        *,
        case
            when not is_avoid then null
            when not is_ranked then 'not_enough_judged'
            when
                degeneration_mode = 'degenerates_instead'
                or is_echo_critical
                or is_empty_critical
                or (
                    is_below_threshold
                    and relevant_pct_ci_high < {{ var('avoid_list_below_pct') }}
                )
                or (is_very_low and pct_ci_high < {{ var('avoid_list_below_pct') }})
                then 'clear'
            else 'within_noise'
        end as avoid_evidence,
        (
            is_ranked
            and not is_avoid
            and relevant_judged >= {{ var('pick_min_judged') }}
        ) as is_pick_eligible,
        case
            when not is_ranked then unranked_reason
            when is_avoid then 'to avoid: ' || avoid_reason
            when relevant_judged < {{ var('pick_min_judged') }}
                then format(
                    'only {} judged answers on its speciality suites ({} needed)',
                    relevant_judged,
                    {{ var('pick_min_judged') }}
                )
        end as not_pickable_reason

    from assessed

)

select * from final
