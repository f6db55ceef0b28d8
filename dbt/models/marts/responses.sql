{#-
    One row per (scoring_run, response_id): every response of the runs a scoring run judged,
    judged or not, with its question, its judgment and its detector flags, for config pages,
    question pages and the compare grid.

    Incremental by slice: a slice is one (scoring_run, run_id). Its input_hash covers every
    input its rows come from (the run's files by sha256 and its responses' facts, the scoring
    run's judgments of those responses, their flags, the run's config facts, every question and
    suite); a build re-writes only the slices whose input_hash is new (delete+insert by
    slice), and the post-hook drops slices that no longer exist. Copying the answer texts is
    what this model costs (10x: 48 s of an 80 s build): an added run or scoring run now
    copies only its own. A change to the dbt project makes `rescore build` pass
    --full-refresh (rescore.dbt_runner), so rows never outlive the code that made them.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['scoring_run', 'run_id'],
        on_schema_change='fail',
        post_hook=[
            "delete from {{ this }} as built where not exists ("
            ~ " select 1 from {{ ref('stg_rescore__judgments') }} as j"
            ~ " inner join {{ ref('stg_rescore__responses') }} as r"
            ~ " on j.response_id = r.response_id"
            ~ " where j.scoring_run = built.scoring_run and r.run_id = built.run_id)"
        ]
    )
}}

with

{#- Only what the slice hashes need is read for every response, narrow (ids and facts, never
    the texts); the answer texts, judgments, flags and int_responses_joined are read only for
    the slices to build, each filtered by run_id or scoring_run before its joins, so an added
    run costs its own rows (a CTE used twice is materialised by DuckDB: the select * imports
    below are each used once, after the filter). #}

response_keys as (

    select
        response_id,
        run_id

    from {{ ref('stg_rescore__responses') }}

),

response_facts as (

    select * from {{ ref('stg_rescore__responses') }}

),

source_configs as (

    select * from {{ ref('stg_rescore__configs') }}

),

configs as (

    select * from {{ ref('configs') }}

),

questions as (

    select * from {{ ref('stg_rescore__questions') }}

),

suites as (

    select * from {{ ref('stg_rescore__suites') }}

),

run_files as (

    select
        run_id,
        bit_xor(hash(config, file_sha256, source_file)) as files_hash

    from source_configs
    group by run_id

),

run_responses as (

    select
        run_id,
        count(*) as response_count,
        bit_xor(hash(
            response_id, config, suite, question_id, tokens_per_second, prompt_tokens,
            completion_tokens, max_tokens, is_speed_test, in_suite, source_file, source_path
        )) as responses_hash

    from response_facts
    group by run_id

),

run_flags as (

    select
        response_keys.run_id,
        bit_xor(hash(flags.response_id, flags.flag, flags.evidence)) as flags_hash

    from {{ ref('stg_rescore__response_flags') }} as flags
    inner join response_keys
        on flags.response_id = response_keys.response_id
    group by response_keys.run_id

),

run_config_facts as (

    select
        run_id,
        bit_xor(hash(configs)) as configs_hash

    from configs
    group by run_id

),

slice_judgments as (

    select
        judged.scoring_run,
        response_keys.run_id,
        count(*) as judgment_count,
        bit_xor(hash(
            judged.response_id, judged.score, judged.reason, judged.judge,
            judged.decided_by, judged.source_file
        )) as judgments_hash

    from {{ ref('stg_rescore__judgments') }} as judged
    inner join response_keys
        on judged.response_id = response_keys.response_id
    group by judged.scoring_run, response_keys.run_id

),

questions_facts as (

    select coalesce(bit_xor(hash(questions)), 0) as questions_hash

    from questions

),

suites_facts as (

    select coalesce(bit_xor(hash(suites)), 0) as suites_hash

    from suites

),

slices as (

    select
        slice_judgments.scoring_run,
        slice_judgments.run_id,
        hash(
            slice_judgments.judgment_count,
            slice_judgments.judgments_hash,
            run_responses.response_count,
            run_responses.responses_hash,
            coalesce(run_files.files_hash, 0),
            coalesce(run_flags.flags_hash, 0),
            coalesce(run_config_facts.configs_hash, 0),
            questions_facts.questions_hash,
            suites_facts.suites_hash
        ) as input_hash

    from slice_judgments
    inner join run_responses
        on slice_judgments.run_id = run_responses.run_id
    cross join questions_facts
    cross join suites_facts
    left join run_files
        on slice_judgments.run_id = run_files.run_id
    left join run_flags
        on slice_judgments.run_id = run_flags.run_id
    left join run_config_facts
        on slice_judgments.run_id = run_config_facts.run_id

),

slices_to_build as (

    select
        scoring_run,
        run_id,
        input_hash

    from slices
    {% if is_incremental() %}
        where not exists (
            select 1
            from {{ this }} as built
            where
                built.scoring_run = slices.scoring_run
                and built.run_id = slices.run_id
                and built.input_hash = slices.input_hash
        )
    {% endif %}

),

runs_to_build as (

    select distinct run_id

    from slices_to_build

),

keys_in_scope as (

    select response_keys.response_id

    from response_keys
    inner join runs_to_build
        on response_keys.run_id = runs_to_build.run_id

),

responses_in_scope as (

    select
        responses.*,
        slices_to_build.scoring_run,
        slices_to_build.input_hash

    from {{ ref('stg_rescore__responses') }} as responses
    inner join slices_to_build
        on responses.run_id = slices_to_build.run_id

),

judgments as (

    select judged.*

    from {{ ref('stg_rescore__judgments') }} as judged
    semi join keys_in_scope
        on judged.response_id = keys_in_scope.response_id

),

flags_listed as (

    select
        flags.response_id,
        list(flags.flag order by flags.flag) as flags,
        list(flags.flag || ': ' || coalesce(flags.evidence, '') order by flags.flag)
            as flag_evidence,
        max(
            try_cast(regexp_extract(flags.evidence, 'cap ([0-9]+)', 1) as integer)
        ) filter (where flags.flag = 'truncated') as detector_cap

    from {{ ref('stg_rescore__response_flags') }} as flags
    semi join keys_in_scope
        on flags.response_id = keys_in_scope.response_id
    group by flags.response_id

),

responses_joined as (

    select
        joined.response_id,
        joined.counts_for_quality,
        joined.is_truncated

    from {{ ref('int_responses_joined') }} as joined
    semi join runs_to_build
        on joined.run_id = runs_to_build.run_id

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
        responses_in_scope.source_path,
        responses_in_scope.input_hash

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
