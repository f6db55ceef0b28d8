{#-
    Findings of kind `suite_all_low`: a suite where every config scores below suite_low_pct.
    One row per finding with the columns of marts.findings it fills; the mart combines the
    kinds with `union all by name` (a column a kind does not fill is null there).
-#}
with

suite_observations as (

    select * from {{ ref('suite_observations') }}

),

suite_all_low as (

    select
        scoring_run,
        'suite_all_low:' || suite as finding_id,
        'suite_all_low' as kind,
        'suite' as scope,
        suite as subject,
        'moderate' as severity,
        format(
            'all {} configs score {} on {}', configs, pct_range, suite
        ) as headline,
        format(
            'mean {:.1f}%; hardest question {} at {:.1f}%; {} of {} questions never scored 3',
            avg_pct,
            hardest_question,
            hardest_question_pct,
            questions_never_full_marks,
            questions
        ) as evidence,
        max_pct as metric,
        'max_config_pct' as metric_name,
        {{ var('suite_low_pct') }}::double as threshold,
        min_pct as metric_low,
        max_pct as metric_high,
        configs,
        configs as configs_affected,
        judged

    from suite_observations
    where is_all_low and configs >= {{ var('finding_min_configs') }}

),

final as (

    select * from suite_all_low

)

select * from final
