{#-
    Findings of kind `critical_config`: a config with at least finding_critical_min_issues critical issues.
    One row per finding with the columns of marts.findings it fills; the mart combines the
    kinds with `union all by name` (a column a kind does not fill is null there).
-#}
with

leaderboard as (

    select * from {{ ref('leaderboard') }}

),

critical_issues as (

    select * from {{ ref('critical_issues') }}

),

critical_aggregated as (

    select
        critical_issues.scoring_run,
        critical_issues.run_id,
        critical_issues.config,
        any_value(critical_issues.model) as model,
        count(*) as issues,
        string_agg(critical_issues.issue, ' + ' order by critical_issues.issue) as issue_list,
        string_agg(critical_issues.evidence, '; ' order by critical_issues.issue)
            as evidence

    from critical_issues
    where critical_issues.severity = 'critical'
    group by critical_issues.scoring_run, critical_issues.run_id, critical_issues.config

),

critical_config as (

    select
        critical_aggregated.scoring_run,
        'critical_config:' || critical_aggregated.run_id || '/' || critical_aggregated.config
            as finding_id,
        'critical_config' as kind,
        'config' as scope,
        critical_aggregated.config as subject,
        'critical' as severity,
        format(
            '{}: {}, {:.0f}%',
            critical_aggregated.model,
            critical_aggregated.issue_list,
            leaderboard.pct
        ) as headline,
        critical_aggregated.evidence::varchar as evidence,
        leaderboard.pct as metric,
        'pct' as metric_name,
        {{ var('finding_critical_min_issues') }}::double as threshold,
        1::bigint as configs,
        1::bigint as configs_affected,
        1::bigint as models,
        leaderboard.judged::bigint as judged

    from critical_aggregated
    inner join leaderboard
        on
            critical_aggregated.scoring_run = leaderboard.scoring_run
            and critical_aggregated.run_id = leaderboard.run_id
            and critical_aggregated.config = leaderboard.config
    where critical_aggregated.issues >= {{ var('finding_critical_min_issues') }}

),

final as (

    select * from critical_config

)

select * from final
