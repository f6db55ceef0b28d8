with

source as (

    select * from {{ source('raw', 'suites') }}

),

renamed as (

    select
        suite::varchar as suite,
        version::varchar as version,
        domain::varchar as domain,
        description::varchar as description,
        max_tokens::integer as max_tokens,
        temperature::double as temperature,
        inference_params::json as inference_params,
        question_count::integer as question_count,
        source_file::varchar as source_file,
        file_sha256::varchar as file_sha256,
        loaded_at::timestamp as loaded_at

    from source

)

select * from renamed
