with

source as (

    select * from {{ source('raw', 'score_conflicts') }}

),

renamed as (

    select
        scoring_run::varchar as scoring_run,
        file_a::varchar as file_a,
        file_b::varchar as file_b,
        on_conflict::varchar as on_conflict,
        duplicates::integer as duplicates,
        agreed::integer as agreed,
        disagreed::integer as disagreed,
        disagreed_by_2plus::integer as disagreed_by_2plus,
        recorded_at::timestamp as recorded_at

    from source

)

select * from renamed
