with

source as (

    select * from {{ source('raw', 'configs') }}

),

renamed as (

    select
        run_id::varchar as run_id,
        config::varchar as config,
        role::varchar as role,
        config_name::varchar as config_name,
        model_path::varchar as model_path,
        model::varchar as model,
        model_family::varchar as model_family,
        params_b::double as params_b,
        active_params_b::double as active_params_b,
        quant::varchar as quant,
        started_at::timestamp as started_at,
        summary::json as summary,
        response_count::integer as response_count,
        source_file::varchar as source_file,
        file_sha256::varchar as file_sha256,
        loaded_at::timestamp as loaded_at

    from source

)

select * from renamed
