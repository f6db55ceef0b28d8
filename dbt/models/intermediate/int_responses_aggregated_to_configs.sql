{#-
    Per run and config, over ALL its responses (judged or not, speed tests included): speed and
    detector rates. avg_tps is the report's "Avg TPS": the plain mean of tokens_per_second,
    kept for parity but dominated by 1-token records. weighted_tps is the speed decisions use:
    sum of completion tokens / sum of generation time (completion_tokens / tokens_per_second)
    over the config's records with both known; a config none of whose records has a token count
    (speed-test records carry a rate only) falls back to the mean of its positive rates.
    median_tps is the median per-record rate.
    suite_responses counts the responses that count for quality (the coverage denominator).
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
        coalesce(
            sum(completion_tokens) filter (where generation_seconds is not null)
            / nullif(sum(generation_seconds), 0),
            avg(tokens_per_second) filter (where tokens_per_second > 0)
        ) as weighted_tps,
        median(tokens_per_second) as median_tps,
        count(*) filter (where counts_for_quality) as suite_responses,
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
