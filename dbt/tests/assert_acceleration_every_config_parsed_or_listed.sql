{#- No config is lost: each one of staging is in int_configs_parsed, parsed or listed. -#}
with

configs as (

    select * from {{ ref('stg_rescore__configs') }}

),

parsed as (

    select * from {{ ref('int_configs_parsed') }}

)

select
    configs.run_id,
    configs.config
from configs
left join parsed
    on
        configs.run_id = parsed.run_id
        and configs.config = parsed.config
where parsed.parse_status is null or parsed.parse_status not in ('parsed', 'not_parsed')
