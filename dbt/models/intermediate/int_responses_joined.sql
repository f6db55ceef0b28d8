{#-
    One row per response with its config's category and its detector flags as booleans.
    counts_for_quality is THE rule of issue 10.1: a response counts toward quality figures iff
    its (suite, question_id) is a question of the suites (raw.questions) and it is not a speed-test
    record. Every quality figure downstream reads judgments through int_judgments_enriched, which
    keeps only such responses, whoever scored them (rules judge or imported CSV).
-#}
with

responses as (

    select * from {{ ref('stg_rescore__responses') }}

),

configs as (

    select * from {{ ref('int_configs_categorised') }}

),

questions as (

    select * from {{ ref('stg_rescore__questions') }}

),

response_flags as (

    select * from {{ ref('stg_rescore__response_flags') }}

),

speciality_suites as (

    select * from {{ ref('speciality_suites') }}

),

flags_per_response as (

    select
        response_id,
        bool_or(flag = 'truncated') as is_truncated,
        bool_or(flag = 'empty') as is_empty,
        bool_or(flag in ('echo_only', 'echo', 'prompt_echo')) as is_echo,
        bool_or(flag in ('degenerate', 'degeneration', 'repetitive')) as is_degenerate,
        bool_or(flag = 'verbose') as is_flagged_verbose

    from response_flags
    group by response_id

),

responses_joined as (

    select
        responses.response_id,
        responses.run_id,
        responses.config,
        responses.suite,
        responses.question_id,
        configs.model,
        configs.role,
        configs.category,
        configs.speciality,
        questions.tier,
        responses.tokens_per_second,
        responses.prompt_tokens,
        responses.completion_tokens,
        responses.is_speed_test,
        responses.in_suite,
        (
            questions.question_id is not null
            and not coalesce(responses.is_speed_test, false)
        ) as counts_for_quality,
        case
            when responses.tokens_per_second > 0 and responses.completion_tokens > 0
                then responses.completion_tokens / responses.tokens_per_second
        end as generation_seconds,
        coalesce(flags_per_response.is_truncated, false) as is_truncated,
        coalesce(flags_per_response.is_empty, false) as is_empty,
        coalesce(flags_per_response.is_echo, false) as is_echo,
        coalesce(flags_per_response.is_degenerate, false) as is_degenerate,
        (
            coalesce(flags_per_response.is_flagged_verbose, false)
            or coalesce(
                responses.completion_tokens >= {{ var('verbose_completion_tokens') }},
                false
            )
        ) as is_verbose,
        speciality_suites.suite is not null as is_relevant_suite

    from responses
    inner join configs
        on
            responses.run_id = configs.run_id
            and responses.config = configs.config
    left join questions
        on
            responses.suite = questions.suite
            and responses.question_id = questions.question_id
    left join flags_per_response
        on responses.response_id = flags_per_response.response_id
    left join speciality_suites
        on
            configs.speciality = speciality_suites.speciality
            and responses.suite = speciality_suites.suite

)

select * from responses_joined
