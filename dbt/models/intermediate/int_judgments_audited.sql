{#-
    One row per judgment with what an audit of its scorer needs: where it came from (source
    file, or '(judge)' for judges rescore ran), the response's detector facts and, where a
    deterministic rule settled the response, the score that rule gave (check_score).
-#}
{%- set deterministic_reasons = [
    'auto_score %',
    'tool calls %',
    'no JSON tool call%',
    'JSON has %',
    'all % key answers found%',
    'empty response%',
] -%}

with

judgments as (

    select * from {{ ref('stg_rescore__judgments') }}

),

responses as (

    select * from {{ ref('int_responses_joined') }}

),

scoring_runs as (

    select * from {{ ref('stg_rescore__scoring_runs') }}

),

deterministic_judgments as (

    select
        judgments.response_id,
        judgments.scoring_run as check_scoring_run,
        judgments.score as check_score,
        judgments.reason as check_reason,
        row_number() over (
            partition by judgments.response_id
            order by scoring_runs.created_at desc, judgments.scoring_run desc
        ) as recency

    from judgments
    inner join scoring_runs
        on judgments.scoring_run = scoring_runs.scoring_run
    where
        scoring_runs.origin = 'judge'
        and scoring_runs.judge like 'rules%'
        and (
            judgments.decided_by like 'rule%'
            {%- for pattern in deterministic_reasons %}
                or judgments.reason like '{{ pattern }}'
            {%- endfor %}
        )

),

latest_checks as (

    select * from deterministic_judgments
    where recency = 1

),

final as (

    select
        judgments.scoring_run,
        judgments.response_id,
        judgments.score,
        judgments.reason,
        responses.suite,
        responses.is_empty,
        responses.is_echo,
        responses.is_degenerate,
        latest_checks.check_score,
        latest_checks.check_reason,
        coalesce(judgments.source_file, '(judge)') as source_file,
        responses.run_id || '/' || responses.config as config_key,
        (responses.is_empty or responses.is_echo) as is_broken,
        case
            when latest_checks.check_scoring_run != judgments.scoring_run
                then latest_checks.check_score
        end as other_check_score

    from judgments
    inner join responses
        on judgments.response_id = responses.response_id
    left join latest_checks
        on judgments.response_id = latest_checks.response_id

)

select * from final
