with

source as (

    select * from {{ source('raw', 'judge_failures') }}

),

renamed as (

    select
        scoring_run::varchar as scoring_run,
        response_id::varchar as response_id,
        judge::varchar as judge,
        attempts::integer as attempts,
        error::varchar as error,
        failed_at::timestamp as failed_at

    from source

)

select * from renamed
