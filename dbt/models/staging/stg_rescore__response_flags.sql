with

source as (

    select * from {{ source('raw', 'response_flags') }}

),

renamed as (

    select
        response_id::varchar as response_id,
        (lower(trim(flag)))::varchar as flag,
        evidence::varchar as evidence,
        detector_version::varchar as detector_version,
        flagged_at::timestamp as flagged_at

    from source

)

select * from renamed
