-- Critical issues, Models to avoid and Findings tell one story: every config with a critical
-- issue is on the avoid list, and (with finding_critical_min_issues at its default of 1) has a
-- critical_config finding.
with

critical_configs as (

    select
        scoring_run,
        run_id,
        config,
        count(*) as issues

    from {{ ref('critical_issues') }}
    where severity = 'critical'
    group by scoring_run, run_id, config

),

findings as (

    select * from {{ ref('findings') }}
    where kind = 'critical_config'

)

select
    critical_configs.scoring_run,
    critical_configs.run_id,
    critical_configs.config,
    avoided.config is null as is_missing_from_avoid_list,
    findings.subject is null as is_missing_from_findings

from critical_configs
left join {{ ref('models_to_avoid') }} as avoided
    on
        critical_configs.scoring_run = avoided.scoring_run
        and critical_configs.run_id = avoided.run_id
        and critical_configs.config = avoided.config
left join findings
    on
        critical_configs.scoring_run = findings.scoring_run
        and critical_configs.config = findings.subject
where
    avoided.config is null
    or (
        findings.subject is null
        and critical_configs.issues >= {{ var('finding_critical_min_issues') }}
    )
