with

source as (

    select * from {{ source('raw', 'scoring_runs') }}

),

renamed as (

    select
        scoring_run::varchar as scoring_run,
        judge::varchar as judge,
        rubric_version::varchar as rubric_version,
        origin::varchar as origin,
        source_files::json as source_files,
        settings::json as settings,
        created_at::timestamp as created_at,
        updated_at::timestamp as updated_at,
        rubric::varchar as rubric,
        {{ optional_column(source('raw', 'scoring_runs'), 'scored_at', 'timestamp') }} as scored_at

    from source

)

select * from renamed
