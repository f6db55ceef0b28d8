with

source as (

    select * from {{ source('raw', 'baselines') }}

),

renamed as (

    select
        baseline::varchar as baseline,
        subject::varchar as subject,
        (lower(trim(subject_kind)))::varchar as subject_kind,
        score::double as score,
        max_score::double as max_score,
        pct::double as pct,
        pct_text::varchar as pct_text,
        avg_tps::double as avg_tps,
        suite_scores::json as suite_scores,
        source_file::varchar as source_file,
        source_line::integer as source_line,
        loaded_at::timestamp as loaded_at

    from source

)

select * from renamed
