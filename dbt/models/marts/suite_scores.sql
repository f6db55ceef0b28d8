{#- Per (scoring_run, config, suite): the judged score, max and pct. -#}
with

judgments as (

    select * from {{ ref('int_judgments_enriched') }}

),

aggregated as (

    select
        scoring_run,
        run_id,
        config,
        suite,
        sum(score)::bigint as score,
        any_value(model) as model,
        any_value(role) as role,
        any_value(category) as category,
        bool_and(is_relevant_suite) as is_relevant_suite,
        count(*) as judged,
        {{ rubric_max("count(*)") }} as max_score,
        count(*) filter (where is_truncated) as truncated

    from judgments
    group by scoring_run, run_id, config, suite

),

final as (

    select
        *,
        100.0 * score / max_score as pct

    from aggregated

)

select * from final
