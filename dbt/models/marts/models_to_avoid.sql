{#-
    Per (scoring_run, config): configs to avoid, with every reason that applies. A config is
    flagged when its pct on the suites relevant to its role (seed speciality_suites) is below
    var avoid_below_pct (given at least avoid_min_judged relevant judgments), or when a detector
    rate reaches its critical threshold. Low scores outside a specialist's suites never count.
-#}
with

leaderboard as (

    select * from {{ ref('leaderboard') }}

),

reasons as (

    select
        *,
        coalesce(
            relevant_judged >= {{ var('avoid_min_judged') }}
            and relevant_pct < {{ var('avoid_below_pct') }},
            false
        ) as is_below_threshold,
        (
            degenerate_rate >= {{ var('critical_degenerate_rate') }}
            or echo_rate >= {{ var('critical_echo_rate') }}
            or empty_rate >= {{ var('critical_empty_rate') }}
        ) as has_critical_detector_rate

    from leaderboard

),

flagged as (

    select
        scoring_run,
        run_id,
        config,
        model,
        role,
        category,
        speciality,
        pct,
        relevant_pct,
        relevant_judged,
        degenerate_rate,
        echo_rate,
        empty_rate,
        is_below_threshold,
        has_critical_detector_rate,
        concat_ws(
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
                when degenerate_rate >= {{ var('critical_degenerate_rate') }}
                    then format(
                        'degenerates in {:.0f}% of responses', 100 * degenerate_rate
                    )
            end,
            case
                when echo_rate >= {{ var('critical_echo_rate') }}
                    then format(
                        'echoes the prompt in {:.0f}% of responses', 100 * echo_rate
                    )
            end,
            case
                when empty_rate >= {{ var('critical_empty_rate') }}
                    then format(
                        'empty answers in {:.0f}% of responses', 100 * empty_rate
                    )
            end
        ) as reason

    from reasons
    where is_below_threshold or has_critical_detector_rate

)

select * from flagged
