with

source as (

    select * from {{ source('raw', 'questions') }}

),

renamed as (

    select
        suite::varchar as suite,
        question_id::varchar as question_id,
        tier::integer as tier,
        name::varchar as name,
        prompt::varchar as prompt,
        expected::varchar as expected,
        reference_answer::varchar as reference_answer,
        scoring::json as scoring,
        auto_score::varchar as auto_score,
        context_tokens::integer as context_tokens,
        context_type::varchar as context_type,
        needle::varchar as needle,
        needle_position::varchar as needle_position,
        image_path::varchar as image_path,
        source_file::varchar as source_file,
        source_path::varchar as source_path

    from source

)

select * from renamed
