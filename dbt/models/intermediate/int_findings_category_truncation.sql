{#-
    Findings of kind `category_truncation`: a category where at least finding_truncation_config_share of the configs hit
    the token cap in note_truncation_rate of their responses.
    One row per finding with the columns of marts.findings it fills; the mart combines the
    kinds with `union all by name` (a column a kind does not fill is null there).
-#}
with

leaderboard as (

    select * from {{ ref('leaderboard') }}

),

responses as (

    select * from {{ ref('int_responses_joined') }}

),

truncated_lengths as (

    select
        leaderboard.scoring_run,
        leaderboard.category,
        mode(responses.completion_tokens) as token_cap

    from leaderboard
    inner join responses
        on
            leaderboard.run_id = responses.run_id
            and leaderboard.config = responses.config
    where responses.is_truncated and responses.completion_tokens is not null
    group by leaderboard.scoring_run, leaderboard.category

),

category_truncation_aggregated as (

    select
        scoring_run,
        category,
        count(*) as configs,
        count(*) filter (
            where truncated_rate >= {{ var('note_truncation_rate') }}
        ) as configs_affected,
        count(distinct model) as models,
        sum(judged)::bigint as judged,
        sum(responses)::bigint as responses,
        sum(truncated)::bigint as truncated,
        min(truncated_rate) as min_rate,
        max(truncated_rate) as max_rate

    from leaderboard
    group by scoring_run, category

),

category_truncation as (

    select
        aggregated.scoring_run,
        'category_truncation:' || aggregated.category as finding_id,
        'category_truncation' as kind,
        'category' as scope,
        aggregated.category as subject,
        'moderate' as severity,
        format(
            '{} of {} {} configs hit the {}-token limit in at least {:.0f}% of their responses',
            aggregated.configs_affected,
            aggregated.configs,
            aggregated.category,
            truncated_lengths.token_cap,
            100 * {{ var('note_truncation_rate') }}
        ) as headline,
        format(
            '{} of {} responses truncated; per config {:.0f}-{:.0f}%; a truncated response '
            || 'is most often {} tokens long',
            aggregated.truncated,
            aggregated.responses,
            100 * aggregated.min_rate,
            100 * aggregated.max_rate,
            truncated_lengths.token_cap
        ) as evidence,
        aggregated.configs_affected / aggregated.configs as metric,
        'share_of_configs_truncating' as metric_name,
        {{ var('finding_truncation_config_share') }}::double as threshold,
        aggregated.min_rate as metric_low,
        aggregated.max_rate as metric_high,
        aggregated.configs,
        aggregated.configs_affected,
        aggregated.models,
        aggregated.judged,
        truncated_lengths.token_cap::integer as token_cap

    from category_truncation_aggregated as aggregated
    left join truncated_lengths
        on
            aggregated.scoring_run = truncated_lengths.scoring_run
            and aggregated.category = truncated_lengths.category
    where
        aggregated.configs >= {{ var('finding_min_configs') }}
        and aggregated.configs_affected / aggregated.configs
        >= {{ var('finding_truncation_config_share') }}

),

final as (

    select * from category_truncation

)

select * from final
