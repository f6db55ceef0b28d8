with

source as (

    select * from {{ source('raw', 'responses') }}

),

renamed as (

    select
        response_id::varchar as response_id,
        run_id::varchar as run_id,
        config::varchar as config,
        suite::varchar as suite,
        question_id::varchar as question_id,
        prompt::varchar as prompt,
        response::varchar as response,
        tokens_per_second::double as tokens_per_second,
        prompt_tokens::integer as prompt_tokens,
        completion_tokens::integer as completion_tokens,
        total_time_ms::double as total_time_ms,
        algorithmic_score::double as algorithmic_score,
        score_reason::varchar as score_reason,
        acceptance_rate::double as acceptance_rate,
        max_tokens::integer as max_tokens,
        finish_reason::varchar as finish_reason,
        is_speed_test::boolean as is_speed_test,
        in_suite::boolean as in_suite,
        source_file::varchar as source_file,
        source_path::varchar as source_path

    from source

)

select * from renamed
