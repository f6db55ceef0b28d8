{#-
    The report's prose findings as rows, one intermediate model per kind (int_findings_<kind>;
    each states when its kind fires and holds its threshold in a var), combined here with
    `union all by name`: a column a kind does not fill is null in its rows. The columns are
    listed once, in the contract's order.
-#}
with

totals as (

    select * from {{ ref('int_findings_totals') }}

),

category_truncation as (

    select * from {{ ref('int_findings_category_truncation') }}

),

suite_all_low as (

    select * from {{ ref('int_findings_suite_all_low') }}

),

group_suite_failure as (

    select * from {{ ref('int_findings_group_suite_failure') }}

),

critical_config as (

    select * from {{ ref('int_findings_critical_config') }}

),

category_drift as (

    select * from {{ ref('int_findings_category_drift') }}

),

unioned as (

    select * from totals
    union all by name
    select * from category_truncation
    union all by name
    select * from suite_all_low
    union all by name
    select * from group_suite_failure
    union all by name
    select * from critical_config
    union all by name
    select * from category_drift

),

final as (

    select
        scoring_run,
        finding_id,
        kind,
        scope,
        subject,
        severity,
        headline,
        evidence,
        metric,
        metric_name,
        threshold,
        metric_low,
        metric_high,
        configs,
        configs_affected,
        models,
        judged,
        token_cap,
        dominant_flag,
        baseline,
        case severity
            when 'critical' then 1
            when 'moderate' then 2
            when 'expected' then 3
            else 4
        end as severity_rank

    from unioned

)

select * from final
