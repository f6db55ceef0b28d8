{#-
    One row per config with its config_name split into acceleration parts. The grammar (see
    the YAML description) is applied to '_' || config_name so that every part is matched with
    its leading underscore: no part can be glued to the next one or start the name with '_'.
    A name the grammar does not match keeps every part null and parse_status 'not_parsed'.
-#}
{%- set name_pattern =
    '^(_moe([1-9][0-9]*))?'
    ~ '(_spec(_draft_([a-z0-9]([a-z0-9_]*[a-z0-9])?))?_k([1-9][0-9]*))?'
    ~ '(_lookup_n([1-9][0-9]*))?$'
-%}

with

configs as (

    select * from {{ ref('stg_rescore__configs') }}

),

names_matched as (

    select
        run_id,
        config,
        role,
        model,
        config_name,
        '_' || config_name as prefixed_name,
        config_name = 'baseline' as is_baseline_name,
        coalesce(
            regexp_full_match('_' || config_name, '{{ name_pattern }}'), false
        ) as is_grammar_match

    from configs

),

parts_extracted as (

    select
        run_id,
        config,
        role,
        model,
        config_name,
        is_baseline_name,
        is_grammar_match,
        case
            when is_grammar_match
                then
                    nullif(regexp_extract(prefixed_name, '{{ name_pattern }}', 2), '')::integer
        end as experts,
        case
            when is_grammar_match
                then nullif(regexp_extract(prefixed_name, '{{ name_pattern }}', 3), '') is not null
            else false
        end as is_speculative,
        case
            when is_grammar_match
                then nullif(regexp_extract(prefixed_name, '{{ name_pattern }}', 5), '')
        end as draft_model,
        case
            when is_grammar_match
                then
                    nullif(regexp_extract(prefixed_name, '{{ name_pattern }}', 7), '')::integer
        end as draft_k,
        case
            when is_grammar_match
                then
                    nullif(regexp_extract(prefixed_name, '{{ name_pattern }}', 9), '')::integer
        end as lookup_n

    from names_matched

),

final as (

    select
        run_id,
        config,
        role,
        model,
        config_name,
        experts,
        draft_model,
        draft_k,
        lookup_n,
        is_speculative,
        case
            when is_baseline_name or is_grammar_match then 'parsed'
            else 'not_parsed'
        end as parse_status,
        case
            when config_name is null then 'the run file has no config_name'
            when not (is_baseline_name or is_grammar_match)
                then
                    'config_name matches no rule: baseline | [moe<N>][_spec[_draft_<model>]_k<K>]'
                    || '[_lookup_n<N>]'
        end as parse_note,
        lookup_n is not null as is_lookup,
        is_speculative or lookup_n is not null as is_accelerated,
        case
            when is_baseline_name then 'baseline'
            when not is_grammar_match then null
            else concat_ws(
                '+',
                case when experts is not null then 'moe' end,
                case when is_speculative then 'spec' end,
                case when lookup_n is not null then 'lookup' end
            )
        end as acceleration,
        case
            when is_baseline_name then 'baseline'
            when not is_grammar_match then null
            when experts is not null then 'moe' || experts
            else 'baseline'
        end as base_config_name

    from parts_extracted

)

select * from final
