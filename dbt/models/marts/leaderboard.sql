{#-
    One row per (scoring_run, category, config) for every config judged in the scoring run.
    score/max_score/pct come from the judgments; avg_tps, responses, truncated and the detector
    rates from all the config's responses in its run. rank: pct, then speed, then config name.
-#}
with

judged_configs as (

    select * from {{ ref('int_judgments_aggregated_to_configs') }}

),

response_facts as (

    select * from {{ ref('int_responses_aggregated_to_configs') }}

),

configs as (

    select * from {{ ref('int_configs_categorised') }}

),

configs_joined as (

    select
        judged_configs.scoring_run,
        configs.category,
        judged_configs.config,
        judged_configs.run_id,
        configs.model,
        configs.role,
        configs.speciality,
        configs.is_role_categorised,
        judged_configs.score,
        judged_configs.max_score,
        judged_configs.pct,
        response_facts.avg_tps,
        response_facts.responses,
        judged_configs.judged,
        response_facts.truncated,
        judged_configs.judged_truncated,
        judged_configs.relevant_judged,
        judged_configs.relevant_score,
        judged_configs.relevant_max_score,
        judged_configs.relevant_pct,
        response_facts.avg_completion_tokens,
        response_facts.truncated_rate,
        response_facts.verbose_rate,
        response_facts.echo_rate,
        response_facts.degenerate_rate,
        response_facts.empty_rate

    from judged_configs
    inner join configs
        on
            judged_configs.run_id = configs.run_id
            and judged_configs.config = configs.config
    inner join response_facts
        on
            judged_configs.run_id = response_facts.run_id
            and judged_configs.config = response_facts.config

),

final as (

    select
        *,
        row_number() over (
            partition by scoring_run, category
            order by pct desc, avg_tps desc nulls last, config asc
        ) as rank,
        nullif(concat_ws(
            ', ',
            case
                when truncated_rate >= {{ var('note_truncation_rate') }}
                    then 'many truncations'
            end,
            case
                when verbose_rate >= {{ var('note_verbose_rate') }}
                    then 'very verbose'
            end,
            case
                when echo_rate >= {{ var('note_echo_rate') }}
                    then 'echoes prompts'
            end,
            case
                when degenerate_rate >= {{ var('note_degenerate_rate') }}
                    then 'degenerates'
            end
        ), '') as notes

    from configs_joined

)

select * from final
