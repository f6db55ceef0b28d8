with

source as (

    select * from {{ source('raw', 'runs') }}

),

renamed as (

    select
        run_id::varchar as run_id,
        run_dir::varchar as run_dir,
        config_files::integer as config_files,
        skipped_files::integer as skipped_files,
        loaded_at::timestamp as loaded_at

    from source

)

select * from renamed
