with

source as (

    select * from {{ source('raw', 'judge_cache') }}

),

renamed as (

    select
        cache_key::varchar as cache_key,
        judge::varchar as judge,
        rubric_version::varchar as rubric_version,
        score::integer as score,
        reason::varchar as reason,
        input_tokens::integer as input_tokens,
        output_tokens::integer as output_tokens,
        cache_read_tokens::integer as cache_read_tokens,
        cache_creation_tokens::integer as cache_creation_tokens,
        cost_usd::double as cost_usd,
        created_at::timestamp as created_at

    from source

)

select * from renamed
