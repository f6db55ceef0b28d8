{#-
    One row per (run_id, config): what the config is (model, role, category, pick group,
    family, size, quantisation), what kind of variant it is and of which base, and the one
    label pages print for it.
-#}
with

configs as (

    select * from {{ ref('int_configs_categorised') }}

),

configs_linked as (

    select * from {{ ref('int_configs_linked') }}

),

categories as (

    select * from {{ ref('report_categories') }}

),

role_pick_groups as (

    select * from {{ ref('role_pick_groups') }}

),

responses as (

    select * from {{ ref('int_responses_joined') }}

),

responses_counted as (

    select
        run_id,
        config,
        count(*) as responses,
        count(*) filter (where is_speed_test) as speed_test_responses

    from responses
    group by run_id, config

),

model_roles_counted as (

    select
        run_id,
        model,
        count(distinct role) as model_roles

    from configs
    where model is not null
    group by run_id, model

),

configs_described as (

    select
        configs.run_id,
        configs.config,
        configs.model,
        configs.role,
        configs.category,
        configs.speciality,
        configs.is_role_categorised,
        configs.config_name,
        configs.model_family,
        configs.active_params_b,
        configs.quant,
        configs_linked.experts,
        configs_linked.acceleration,
        configs_linked.base_config,
        configs_linked.baseline_config,
        configs_linked.link_status,
        role_pick_groups.pick_group,
        categories.title as category_title,
        categories.sort_order as category_sort_order,
        coalesce(
            configs.params_b,
            try_cast(
                regexp_extract(
                    configs.model, '(^|[^0-9.])([0-9]+([.][0-9]+)?)[bB]([^a-zA-Z]|$)', 2
                ) as double
            )
        ) as size_b,
        case
            when coalesce(configs_linked.parse_status != 'parsed', true) then 'unparsed'
            when configs_linked.is_lookup then 'lookup'
            when configs_linked.is_speculative then 'spec'
            when configs_linked.experts is not null then 'moe'
            else 'baseline'
        end as variant_kind,
        coalesce(model_roles_counted.model_roles, 1) as model_roles

    from configs
    left join configs_linked
        on
            configs.run_id = configs_linked.run_id
            and configs.config = configs_linked.config
    left join categories
        on configs.category = categories.category
    left join role_pick_groups
        on configs.role = role_pick_groups.role
    left join model_roles_counted
        on
            configs.run_id = model_roles_counted.run_id
            and configs.model = model_roles_counted.model

),

configs_labelled as (

    select
        configs_described.run_id,
        configs_described.config,
        configs_described.model,
        configs_described.role,
        configs_described.category,
        configs_described.category_title,
        configs_described.category_sort_order,
        configs_described.pick_group,
        configs_described.speciality,
        configs_described.is_role_categorised,
        configs_described.model_family,
        configs_described.size_b,
        configs_described.active_params_b,
        configs_described.quant,
        configs_described.config_name,
        configs_described.variant_kind,
        configs_described.experts,
        configs_described.acceleration,
        configs_described.base_config,
        configs_described.baseline_config,
        configs_described.link_status,
        configs_described.model_roles,
        configs_described.variant_kind != 'baseline' as is_variant,
        case
            when configs_described.model is null then configs_described.config
            when configs_described.model_roles > 1
                then configs_described.model || ' (' || configs_described.role || ')'
            else configs_described.model
        end as model_label,
        coalesce(responses_counted.responses, 0) as responses,
        coalesce(responses_counted.speed_test_responses, 0) as speed_test_responses

    from configs_described
    left join responses_counted
        on
            configs_described.run_id = responses_counted.run_id
            and configs_described.config = responses_counted.config

),

final as (

    select
        *,
        case
            when model is null or config_name is null or config_name = 'baseline'
                then model_label
            else model_label || ' ' || config_name
        end as display_label

    from configs_labelled

)

select * from final
