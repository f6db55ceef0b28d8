{#-
    Per (command, source_file, kind): how many records were quarantined or skipped, with the
    first one as an example, for the Data quality page.
-#}
with

ingest_errors as (

    select * from {{ ref('ingest_errors') }}

),

final as (

    select
        command,
        source_file,
        kind,
        any_value(file_name) as file_name,
        count(*) as records,
        arg_min(location, error_id) as example_location,
        arg_min(message, error_id) as example_message,
        arg_min(excerpt, error_id) as example_excerpt,
        list(distinct batch order by batch) filter (where batch is not null) as batches,
        min(logged_at) as first_logged_at,
        max(logged_at) as last_logged_at

    from ingest_errors
    group by command, source_file, kind

)

select * from final
