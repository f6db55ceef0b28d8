{#-
    Per (scoring_run, config): the configs not to deploy, each with its reason, straight from the
    decision model (config_assessment.is_avoid; the rules are stated there). Experiments (MoE,
    speculative, lookup variants) carry base_config, the plain config of their role and model,
    so the list groups them under their base instead of listing separate failures;
    is_group_head marks the row a grouped list shows first (the base itself when it is avoided,
    else the group's lowest pct), configs_in_group how many rows share the base.
    The short list is the rows with is_listed (one per scoring_run and base_config): an
    experiment whose base is avoided folds into the base's row, experiments avoided on their
    own fold into one row under their base; group_configs names every config folded in.
    The mart keeps one row per avoided config for SQL users.
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

grouped as (

    select
        *,
        count(*) over (partition by scoring_run, base_config) as configs_in_group,
        list(config) over (
            partition by scoring_run, base_config
            order by (config = base_config) desc, pct asc, config asc
            rows between unbounded preceding and unbounded following
        ) as group_configs,
        row_number() over (
            partition by scoring_run, base_config
            order by (config = base_config) desc, pct asc, config asc
        ) = 1 as is_group_head

    from avoided

),

final as (

    select
        *,
        is_group_head as is_listed

    from grouped

)

select * from final
