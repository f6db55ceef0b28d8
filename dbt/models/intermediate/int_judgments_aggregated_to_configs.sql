{#- Per scoring run and config: what the judge gave, overall and on the role's relevant suites. -#}
with

judgments as (

    select * from {{ ref('int_judgments_enriched') }}

),

aggregated as (

    select
        scoring_run,
        run_id,
        config,
        sum(score)::bigint as score,
        coalesce(sum(score) filter (where is_relevant_suite), 0)::bigint as relevant_score,
        count(*) as judged,
        3 * count(*) as max_score,
        count(*) filter (where is_truncated) as judged_truncated,
        count(*) filter (where is_relevant_suite) as relevant_judged

    from judgments
    group by scoring_run, run_id, config

),

final as (

    select
        scoring_run,
        run_id,
        config,
        judged,
        score,
        max_score,
        judged_truncated,
        relevant_judged,
        relevant_score,
        100.0 * score / max_score as pct,
        3 * relevant_judged as relevant_max_score,
        case
            when relevant_judged > 0
                then 100.0 * relevant_score / (3 * relevant_judged)
        end as relevant_pct

    from aggregated

)

select * from final
