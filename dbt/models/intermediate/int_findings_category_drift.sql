{#-
    Findings of kind `category_drift`: a category whose configs lost finding_drift_drop_points or more on average
    against a baseline.
    One row per finding with the columns of marts.findings it fills; the mart combines the
    kinds with `union all by name` (a column a kind does not fill is null there).
-#}
with

drift as (

    select * from {{ ref('drift') }}

),

drift_aggregated as (

    select
        scoring_run,
        baseline,
        category,
        count(*) as configs,
        count(*) filter (where delta_pct < 0) as configs_lower,
        count(*) filter (where likely_cause like 'truncation%') as configs_truncating,
        count(distinct model) as models,
        sum(judged) as judged,
        avg(delta_pct) as mean_delta,
        min(delta_pct) as min_delta,
        max(delta_pct) as max_delta

    from drift
    group by scoring_run, baseline, category

),

category_drift as (

    select
        scoring_run,
        'category_drift:' || category || '/' || baseline as finding_id,
        'category_drift' as kind,
        'category_baseline' as scope,
        category::varchar as subject,
        'info' as severity,
        format(
            '{} configs scored lower than in {}: {} of {}, {:.1f} points on average',
            category,
            baseline,
            configs_lower,
            configs,
            mean_delta
        ) as headline,
        format(
            'changes {:.1f} to {:.1f} points; truncation named as a likely cause for {} of them',
            min_delta,
            max_delta,
            configs_truncating
        ) as evidence,
        mean_delta as metric,
        'mean_delta_points' as metric_name,
        -{{ var('finding_drift_drop_points') }}::double as threshold,
        min_delta as metric_low,
        max_delta as metric_high,
        configs::bigint as configs,
        configs_lower as configs_affected,
        models::bigint as models,
        judged::bigint as judged,
        baseline::varchar as baseline

    from drift_aggregated
    where
        configs >= {{ var('finding_min_configs') }}
        and mean_delta <= -{{ var('finding_drift_drop_points') }}

),

final as (

    select * from category_drift

)

select * from final
