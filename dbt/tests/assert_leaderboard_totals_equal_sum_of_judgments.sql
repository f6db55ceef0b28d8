-- Per scoring run, the leaderboard's score and judged totals equal the sum and count of the
-- judgments of responses that count for quality (a suite question, not a speed test): no
-- judgment lost or counted twice on the way to the marts, and none of another record counted.
with

judgment_totals as (

    select
        judgments.scoring_run,
        sum(judgments.score) as total_score,
        count(*) as total_judged

    from {{ ref('stg_rescore__judgments') }} as judgments
    inner join {{ ref('int_responses_joined') }} as responses
        on judgments.response_id = responses.response_id
    where responses.counts_for_quality
    group by judgments.scoring_run

),

leaderboard_totals as (

    select
        scoring_run,
        sum(score) as total_score,
        sum(judged) as total_judged

    from {{ ref('leaderboard') }}
    group by scoring_run

),

mismatches as (

    select
        judgment_totals.total_score as judgment_score,
        leaderboard_totals.total_score as leaderboard_score,
        judgment_totals.total_judged as judgment_count,
        leaderboard_totals.total_judged as leaderboard_judged,
        coalesce(judgment_totals.scoring_run, leaderboard_totals.scoring_run) as scoring_run

    from judgment_totals
    full outer join leaderboard_totals
        on judgment_totals.scoring_run = leaderboard_totals.scoring_run
    where
        judgment_totals.total_score is distinct from leaderboard_totals.total_score
        or judgment_totals.total_judged is distinct from leaderboard_totals.total_judged

)

select * from mismatches
