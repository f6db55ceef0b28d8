{#-
    Per (scoring_run, config): the configs not to deploy, each with its reason, straight from the
    decision model (config_assessment.is_avoid; the rules are stated there). Experiments (MoE,
    speculative, lookup variants) carry base_config, the plain config of their role and model,
    so the list groups them under their base instead of listing separate failures;
    is_group_head marks the row a grouped list shows first (the base itself when it is avoided,
    else the group's lowest pct), configs_in_group how many rows share the base.
    THE SHORT LIST is the rows with is_listed: at most one per scoring_run, run_id and base_config,
    and only for a group holding at least one avoid with clear evidence
    (config_assessment.avoid_evidence = 'clear': ranked, and it degenerates instead of
    answering, echoes or answers empty at a critical rate, or the interval of the pct it was
    flagged on lies wholly below avoid_list_below_pct). The listed row is the group's base when
    the base is a clear avoid, else its lowest-pct clear experiment; every other avoided config
    of the group folds into it (group_configs, experiments_avoided, worst_experiment,
    experiments_note). Groups with only within_noise or not_enough_judged avoids are not
    listed (listed_config null): still never picked, shown apart. The mart keeps one row per
    avoided config for SQL users.
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
        avoid_evidence,
        is_ranked,
        relevant_pct_ci_low,
        relevant_pct_ci_high,
        (
            degeneration_mode = 'degenerates_instead' or is_echo_critical or is_empty_critical
        ) as has_critical_detector_rate

    from assessment
    where is_avoid

),

grouped as (

    select
        *,
        count(*) over (partition by scoring_run, run_id, base_config) as configs_in_group,
        list(config) over (
            partition by scoring_run, run_id, base_config
            order by (config = base_config) desc, pct asc, config asc
            rows between unbounded preceding and unbounded following
        ) as group_configs,
        row_number() over (
            partition by scoring_run, run_id, base_config
            order by (config = base_config) desc, pct asc, config asc
        ) = 1 as is_group_head,
        row_number() over (
            partition by scoring_run, run_id, base_config
            order by
                (avoid_evidence = 'clear') desc, (config = base_config) desc, pct asc, config asc
        ) = 1
        and avoid_evidence = 'clear' as is_listed

    from avoided

),

group_summary as (

    select
        scoring_run,
        run_id,
        base_config,
        count(*) filter (where is_experiment) as experiments_avoided,
        (list(config order by pct asc, config asc) filter (where is_experiment))[1]
            as worst_experiment,
        (list(reason order by pct asc, config asc) filter (where is_experiment))[1]
            as worst_experiment_reason,
        (list(config) filter (where is_listed))[1] as listed_config

    from grouped
    group by scoring_run, run_id, base_config

),

other_experiments as (

    select
        listed.scoring_run,
        listed.run_id,
        listed.base_config,
        count(*) as other_count,
        (list(sibling.config order by sibling.pct asc, sibling.config asc))[1] as worst_other,
        (list(sibling.reason order by sibling.pct asc, sibling.config asc))[1] as worst_other_reason

    from grouped as listed
    inner join grouped as sibling
        on
            listed.scoring_run = sibling.scoring_run
            and listed.run_id = sibling.run_id
            and listed.base_config = sibling.base_config
            and listed.config != sibling.config
    where listed.is_listed and sibling.is_experiment
    group by listed.scoring_run, listed.run_id, listed.base_config

),

final as (

    select
        grouped.*,
        group_summary.experiments_avoided,
        group_summary.worst_experiment,
        group_summary.worst_experiment_reason,
        group_summary.listed_config,
        case
            when grouped.is_listed and other_experiments.other_count > 0
                then format(
                    '{} {}avoided experiment{} of {}; worst: {} ({})',
                    other_experiments.other_count,
                    case when grouped.is_experiment then 'other ' else '' end,
                    case when other_experiments.other_count = 1 then '' else 's' end,
                    grouped.base_config,
                    other_experiments.worst_other,
                    other_experiments.worst_other_reason
                )
        end as experiments_note

    from grouped
    inner join group_summary
        on
            grouped.scoring_run = group_summary.scoring_run
            and grouped.run_id = group_summary.run_id
            and grouped.base_config = group_summary.base_config
    left join other_experiments
        on
            grouped.scoring_run = other_experiments.scoring_run
            and grouped.run_id = other_experiments.run_id
            and grouped.base_config = other_experiments.base_config

)

select * from final
