{#-
    One row per judgment that counts for quality, with everything known about the response it
    scores. Judgments of responses that do not count (speed tests, ids no suite has: see
    int_responses_joined.counts_for_quality) stay in raw.judgments but never reach a quality
    figure: every quality mart reads judgments from here.
-#}
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

judgments_joined_to_responses as (

    select
        judgments.scoring_run,
        judgments.response_id,
        judgments.judge,
        scoring_runs.created_at as scoring_run_created_at,
        judgments.score,
        {{ rubric_max() }} as max_score,
        judgments.reason,
        responses.run_id,
        responses.config,
        responses.suite,
        responses.question_id,
        responses.model,
        responses.role,
        responses.category,
        responses.speciality,
        responses.tier,
        responses.tokens_per_second,
        responses.completion_tokens,
        responses.is_speed_test,
        responses.is_truncated,
        responses.is_empty,
        responses.is_echo,
        responses.is_degenerate,
        responses.is_verbose,
        responses.is_relevant_suite,
        responses.counts_for_quality

    from judgments
    inner join responses
        on judgments.response_id = responses.response_id
    left join scoring_runs
        on judgments.scoring_run = scoring_runs.scoring_run
    where responses.counts_for_quality

)

select * from judgments_joined_to_responses
