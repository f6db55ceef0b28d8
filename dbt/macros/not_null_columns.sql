{#- Every listed column of a model holds no null: one test node (one scan) per model instead of
    one `not_null` node per column, which cost ~50 ms each whatever the data (issue 13). Returns
    one row per column that holds nulls, naming it, so a failure says which columns and how
    many rows; `rescore build` prints those rows. -#}
{% test not_null_columns(model, columns) %}

with

counts as (

    select
        [
            {%- for column in columns %}
                {
                    'column_name': '{{ column }}',
                    'null_rows': count(*) filter (where {{ column }} is null)
                }{{ "," if not loop.last }}
            {%- endfor %}
        ] as per_column
    from {{ model }}

),

per_column as (

    select unnest(per_column, recursive := true)
    from counts

),

final as (

    select
        column_name,
        null_rows
    from per_column
    where null_rows > 0

)

select * from final

{% endtest %}
