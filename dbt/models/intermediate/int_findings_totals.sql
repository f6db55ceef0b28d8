{#-
    Findings of kind `totals`: per scoring run: configs, models and judged responses.
    One row per finding with the columns of marts.findings it fills; the mart combines the
    kinds with `union all by name` (a column a kind does not fill is null there).
-#}
with

leaderboard as (

    select * from {{ ref('leaderboard') }}

),

totals as (

    select
        scoring_run,
        scoring_run as subject,
        'totals' as kind,
        'scoring_run' as scope,
        'info' as severity,
        'judged_responses' as metric_name,
        sum(judged)::double as metric,
        sum(judged)::bigint as judged,
        'totals:' || scoring_run as finding_id,
        format(
            '{} configs ({} models) scored on {} judged responses',
            count(*),
            count(distinct model),
            sum(judged)::bigint
        ) as headline,
        format(
            'score {}/{} ({:.1f}%) over {} categories',
            sum(score)::bigint,
            sum(max_score)::bigint,
            100.0 * sum(score) / sum(max_score),
            count(distinct category)
        ) as evidence,
        count(*) as configs,
        count(distinct model) as models

    from leaderboard
    group by scoring_run

),

final as (

    select * from totals

)

select * from final
