{#-
    Per run and config, over ALL its responses (judged or not, speed tests included): speed and
    detector rates. avg_tps is the report's "Avg TPS": the plain mean of tokens_per_second.
-#}
with

responses as (

    select * from {{ ref('int_responses_joined') }}

),

aggregated as (

    select
        run_id,
        config,
        count(*) as responses,
        avg(tokens_per_second) as avg_tps,
        avg(completion_tokens) as avg_completion_tokens,
        count(*) filter (where is_truncated) as truncated,
        count(*) filter (where is_empty) as empty_responses,
        count(*) filter (where is_echo) as echoed_responses,
        count(*) filter (where is_degenerate) as degenerate_responses,
        count(*) filter (where is_verbose) as verbose_responses

    from responses
    group by run_id, config

),

final as (

    select
        *,
        truncated / responses as truncated_rate,
        empty_responses / responses as empty_rate,
        echoed_responses / responses as echo_rate,
        degenerate_responses / responses as degenerate_rate,
        verbose_responses / responses as verbose_rate

    from aggregated

)

select * from final
