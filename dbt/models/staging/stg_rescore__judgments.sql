with

source as (

    select * from {{ source('raw', 'judgments') }}

),

renamed as (

    select
        scoring_run::varchar as scoring_run,
        response_id::varchar as response_id,
        judge::varchar as judge,
        rubric_version::varchar as rubric_version,
        score::integer as score,
        reason::varchar as reason,
        judged_at::timestamp as judged_at,
        cache_key::varchar as cache_key,
        input_tokens::integer as input_tokens,
        output_tokens::integer as output_tokens,
        cache_read_tokens::integer as cache_read_tokens,
        cache_creation_tokens::integer as cache_creation_tokens,
        cost_usd::double as cost_usd,
        source_file::varchar as source_file,
        source_line::integer as source_line,
        decided_by::varchar as decided_by

    from source

)

select * from renamed
