{#-
    Every parsed speculative or lookup config either links to exactly one existing base (same
    run, role, model and expert count, parsed, not accelerated) or is listed as missing or
    ambiguous. Returns the configs that break this.
-#}
with

linked as (

    select * from {{ ref('int_configs_linked') }}

),

parsed as (

    select * from {{ ref('int_configs_parsed') }}

),

matching_bases as (

    select
        linked.run_id,
        linked.config,
        linked.link_status,
        linked.base_config,
        count(parsed.config) as existing_bases

    from linked
    left join parsed
        on
            linked.run_id = parsed.run_id
            and linked.base_config = parsed.config
            and linked.role = parsed.role
            and linked.model is not distinct from parsed.model
            and linked.experts is not distinct from parsed.experts
            and parsed.parse_status = 'parsed'
            and not parsed.is_accelerated
    where linked.parse_status = 'parsed' and linked.is_accelerated
    group by linked.run_id, linked.config, linked.link_status, linked.base_config

)

select * from matching_bases
where not (
    (link_status = 'linked' and existing_bases = 1)
    or (link_status in ('missing_base', 'ambiguous_base') and base_config is null)
)
