{#-
    Per (scoring_run, config): the configs not to deploy, each with its reason, straight from the
    decision model (config_assessment.is_avoid; the rules are stated there). Experiments (MoE,
    speculative, lookup variants) carry base_config, the plain config of their role and model,
    so the list groups them under their base instead of listing separate failures;
    is_group_head marks the row a grouped list shows first (the base itself when it is avoided,
    else the group's lowest pct), configs_in_group how many rows share the base.
-#}
with

assessment as (

    select * from {{ ref('config_assessment') }}

),

avoided as (

    select
        scoring_run,
        run_id,
        config,
        model,
        role,
        category,
        speciality,
        base_config,
        is_experiment,
        pct,
        relevant_pct,
        relevant_judged,
        degenerate_rate,
        echo_rate,
        empty_rate,
        is_below_threshold,
        degeneration_mode,
        avoid_reason as reason,
        (
            degeneration_mode = 'degenerates_instead' or is_echo_critical or is_empty_critical
        ) as has_critical_detector_rate

    from assessment
    where is_avoid

),

final as (

    select
        *,
        count(*) over (partition by scoring_run, base_config) as configs_in_group,
        row_number() over (
            partition by scoring_run, base_config
            order by (config = base_config) desc, pct asc, config asc
        ) = 1 as is_group_head

    from avoided

)

select * from final
