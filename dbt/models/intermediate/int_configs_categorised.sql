with

configs as (

    select * from {{ ref('stg_rescore__configs') }}

),

role_categories as (

    select * from {{ ref('role_categories') }}

),

configs_joined_to_categories as (

    select
        configs.run_id,
        configs.config,
        configs.role,
        configs.config_name,
        configs.model,
        configs.model_family,
        configs.params_b,
        configs.active_params_b,
        configs.quant,
        coalesce(role_categories.category, 'uncategorised') as category,
        coalesce(role_categories.speciality, 'general') as speciality,
        role_categories.role is not null as is_role_categorised

    from configs
    left join role_categories
        on configs.role = role_categories.role

)

select * from configs_joined_to_categories
