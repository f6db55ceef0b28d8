{#-
    Every record ingest, import or judge quarantined or skipped (raw.ingest_errors), numbered,
    for the Data quality page's download.
-#}
with

ingest_errors as (

    select * from {{ ref('stg_rescore__ingest_errors') }}

),

final as (

    select
        command,
        source_file,
        location,
        kind,
        message,
        excerpt,
        batch,
        logged_at,
        regexp_extract(source_file, '[^/\\]+$') as file_name,
        row_number() over (
            order by logged_at, command, source_file, location, kind, message
        ) as error_id

    from ingest_errors

)

select * from final
