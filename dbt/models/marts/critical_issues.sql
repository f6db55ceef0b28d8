{#-
    Per (scoring_run, config, issue): problems worth a headline, with severity and evidence.
    critical: degeneration, prompt echo or empty answers at or above their critical rates, or a
    pct below critical_below_pct; moderate: a truncation rate at or above note_truncation_rate.
-#}
with

leaderboard as (

    select * from {{ ref('leaderboard') }}

),

issues as (

    select
        scoring_run,
        run_id,
        config,
        model,
        role,
        category,
        'degeneration' as issue,
        'critical' as severity,
        format(
            '{} of {} responses degenerate into repetition',
            round(degenerate_rate * responses)::bigint,
            responses
        ) as evidence

    from leaderboard
    where degenerate_rate >= {{ var('critical_degenerate_rate') }}

    union all

    select
        scoring_run,
        run_id,
        config,
        model,
        role,
        category,
        'prompt_echo' as issue,
        'critical' as severity,
        format(
            '{} of {} responses echo the prompt instead of answering',
            round(echo_rate * responses)::bigint,
            responses
        ) as evidence

    from leaderboard
    where echo_rate >= {{ var('critical_echo_rate') }}

    union all

    select
        scoring_run,
        run_id,
        config,
        model,
        role,
        category,
        'empty_responses' as issue,
        'critical' as severity,
        format(
            '{} of {} responses are empty',
            round(empty_rate * responses)::bigint,
            responses
        ) as evidence

    from leaderboard
    where empty_rate >= {{ var('critical_empty_rate') }}

    union all

    select
        scoring_run,
        run_id,
        config,
        model,
        role,
        category,
        'very_low_score' as issue,
        'critical' as severity,
        format('scores {}/{} ({:.1f}%)', score, max_score, pct) as evidence

    from leaderboard
    where pct < {{ var('critical_below_pct') }}

    union all

    select
        scoring_run,
        run_id,
        config,
        model,
        role,
        category,
        'truncation' as issue,
        'moderate' as severity,
        format(
            '{} of {} responses hit the token cap', truncated, responses
        ) as evidence

    from leaderboard
    where truncated_rate >= {{ var('note_truncation_rate') }}

)

select * from issues
