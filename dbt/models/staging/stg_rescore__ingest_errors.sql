with

source as (

    select * from {{ source('raw', 'ingest_errors') }}

),

renamed as (

    select
        command::varchar as command,
        source_file::varchar as source_file,
        location::varchar as location,
        kind::varchar as kind,
        message::varchar as message,
        excerpt::varchar as excerpt,
        batch::varchar as batch,
        logged_at::timestamp as logged_at

    from source

)

select * from renamed
