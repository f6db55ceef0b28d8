{#-
    One row per (scoring_run, response_id): every response of the runs a scoring run judged,
    judged or not, with its question, its judgment and its detector flags, for config pages,
    question pages and the compare grid.
-#}
with

judgments as (

    select * from {{ ref('stg_rescore__judgments') }}

),

responses as (

    select * from {{ ref('stg_rescore__responses') }}

),

questions as (

    select * from {{ ref('stg_rescore__questions') }}

),

suites as (

    select * from {{ ref('stg_rescore__suites') }}

),

response_flags as (

    select * from {{ ref('stg_rescore__response_flags') }}

),

configs as (

    select * from {{ ref('configs') }}

),

responses_joined as (

    select
        response_id,
        counts_for_quality,
        is_truncated

    from {{ ref('int_responses_joined') }}

),

scoring_run_runs as (

    select distinct
        judgments.scoring_run,
        responses.run_id

    from judgments
    inner join responses
        on judgments.response_id = responses.response_id

),

flags_listed as (

    select
        response_id,
        list(flag order by flag) as flags,
        list(flag || ': ' || coalesce(evidence, '') order by flag) as flag_evidence,
        max(
            try_cast(regexp_extract(evidence, 'cap ([0-9]+)', 1) as integer)
        ) filter (where flag = 'truncated') as detector_cap

    from response_flags
    group by response_id

),

responses_in_scope as (

    select
        responses.*,
        scoring_run_runs.scoring_run

    from scoring_run_runs
    inner join responses
        on scoring_run_runs.run_id = responses.run_id

),

final as (

    select
        responses_in_scope.scoring_run,
        responses_in_scope.response_id,
        'r-' || responses_in_scope.response_id as anchor,
        responses_in_scope.run_id,
        responses_in_scope.config,
        configs.display_label,
        configs.model,
        configs.role,
        configs.category,
        responses_in_scope.suite,
        responses_in_scope.question_id,
        questions.name as question_name,
        questions.tier,
        coalesce(questions.prompt, responses_in_scope.prompt) as prompt,
        questions.expected,
        questions.reference_answer,
        questions.scoring::varchar as scoring_criteria,
        questions.auto_score,
        responses_in_scope.response,
        judgments.response_id is not null as is_judged,
        judgments.score,
        3 as max_score,
        judgments.reason,
        judgments.judge,
        judgments.decided_by,
        judgments.source_file as judgment_source_file,
        coalesce(flags_listed.flags, []::varchar []) as flags,
        coalesce(flags_listed.flag_evidence, []::varchar []) as flag_evidence,
        coalesce(responses_in_scope.max_tokens, suites.max_tokens) as declared_max_tokens,
        case
            when responses_in_scope.max_tokens is not null then 'run'
            when suites.max_tokens is not null then 'suite'
            else 'none'
        end as declared_max_tokens_source,
        {{ token_cap('coalesce(responses_in_scope.max_tokens, suites.max_tokens)') }}
            as token_cap,
        flags_listed.detector_cap,
        responses_in_scope.completion_tokens,
        responses_in_scope.prompt_tokens,
        responses_in_scope.tokens_per_second as tps,
        coalesce(responses_joined.is_truncated, false) as is_truncated,
        responses_in_scope.is_speed_test,
        responses_in_scope.in_suite,
        coalesce(responses_joined.counts_for_quality, false) as counts_for_quality,
        responses_in_scope.source_file,
        responses_in_scope.source_path

    from responses_in_scope
    left join judgments
        on
            responses_in_scope.scoring_run = judgments.scoring_run
            and responses_in_scope.response_id = judgments.response_id
    left join questions
        on
            responses_in_scope.suite = questions.suite
            and responses_in_scope.question_id = questions.question_id
    left join suites
        on responses_in_scope.suite = suites.suite
    left join flags_listed
        on responses_in_scope.response_id = flags_listed.response_id
    left join configs
        on
            responses_in_scope.run_id = configs.run_id
            and responses_in_scope.config = configs.config
    left join responses_joined
        on responses_in_scope.response_id = responses_joined.response_id

)

select * from final
