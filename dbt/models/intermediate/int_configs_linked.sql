{#-
    One row per config with the config whose quality it carries (base_config) and the role's
    baseline. A speculative or lookup config inherits the quality of the config of the same
    run, role and model with the same expert count and no speculation or lookup; any other
    parsed config is its own base. Links are counted, never picked: zero candidates is
    'missing_base', more than one is 'ambiguous_base', and both keep base_config null.
-#}
with

configs as (

    select * from {{ ref('int_configs_parsed') }}

),

base_candidates as (

    select
        run_id,
        config,
        role,
        model,
        experts

    from configs
    where parse_status = 'parsed' and not is_accelerated

),

baseline_candidates as (

    select
        run_id,
        config,
        role,
        model

    from base_candidates
    where experts is null

),

accelerated_linked_to_bases as (

    select
        configs.run_id,
        configs.config,
        count(base_candidates.config) as base_candidates,
        min(base_candidates.config) as only_base_config

    from configs
    left join base_candidates
        on
            configs.run_id = base_candidates.run_id
            and configs.role = base_candidates.role
            and configs.model is not distinct from base_candidates.model
            and configs.experts is not distinct from base_candidates.experts
    where configs.parse_status = 'parsed' and configs.is_accelerated
    group by configs.run_id, configs.config

),

configs_linked_to_baselines as (

    select
        configs.run_id,
        configs.config,
        count(baseline_candidates.config) as baseline_candidates,
        min(baseline_candidates.config) as only_baseline_config

    from configs
    left join baseline_candidates
        on
            configs.run_id = baseline_candidates.run_id
            and configs.role = baseline_candidates.role
            and configs.model is not distinct from baseline_candidates.model
    group by configs.run_id, configs.config

),

final as (

    select
        configs.run_id,
        configs.config,
        configs.role,
        configs.model,
        configs.config_name,
        configs.experts,
        configs.draft_model,
        configs.draft_k,
        configs.lookup_n,
        configs.acceleration,
        configs.is_speculative,
        configs.is_lookup,
        configs.is_accelerated,
        configs.parse_status,
        configs.parse_note,
        case
            when configs.parse_status != 'parsed' then 'not_parsed'
            when not configs.is_accelerated then 'base'
            when accelerated_linked_to_bases.base_candidates = 1 then 'linked'
            when accelerated_linked_to_bases.base_candidates = 0 then 'missing_base'
            else 'ambiguous_base'
        end as link_status,
        case
            when configs.parse_status != 'parsed' then null
            when not configs.is_accelerated then configs.config
            when accelerated_linked_to_bases.base_candidates = 1
                then accelerated_linked_to_bases.only_base_config
        end as base_config,
        case
            when configs.is_accelerated then configs.base_config_name
        end as base_config_name,
        coalesce(accelerated_linked_to_bases.base_candidates, 0) as base_candidates,
        case
            when configs.parse_status != 'parsed' or not configs.is_accelerated
                then 'measured'
            when accelerated_linked_to_bases.base_candidates = 1 then 'inherited'
        end as quality_source,
        case
            when configs_linked_to_baselines.baseline_candidates = 1
                then configs_linked_to_baselines.only_baseline_config
        end as baseline_config,
        case configs_linked_to_baselines.baseline_candidates
            when 0 then 'missing'
            when 1 then 'found'
            else 'ambiguous'
        end as baseline_status

    from configs
    left join accelerated_linked_to_bases
        on
            configs.run_id = accelerated_linked_to_bases.run_id
            and configs.config = accelerated_linked_to_bases.config
    left join configs_linked_to_baselines
        on
            configs.run_id = configs_linked_to_baselines.run_id
            and configs.config = configs_linked_to_baselines.config

)

select * from final
