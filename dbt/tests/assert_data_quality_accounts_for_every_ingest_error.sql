{#- Every quarantined or skipped record is counted once in marts.data_quality. -#}
with

ingest_errors as (

    select * from {{ ref('ingest_errors') }}

),

data_quality as (

    select * from {{ ref('data_quality') }}

),

error_rows as (

    select count(*) as error_rows
    from ingest_errors

),

counted_records as (

    select coalesce(sum(records), 0) as counted_records
    from data_quality

),

totals as (

    select
        error_rows.error_rows,
        counted_records.counted_records

    from error_rows
    cross join counted_records

)

select * from totals
where error_rows != counted_records
