{#- Each listed column of a model stays inside its closed range (nulls pass: not_null_columns
    says whether they may exist): one test node (one scan) per model instead of one
    `value_between` node per column (~50 ms each whatever the data, issue 13). `columns` maps a
    column to [min_value, max_value]. Returns one row per column with rows out of range, naming
    it and counting them; `rescore build` prints those rows. -#}
{% test value_between_columns(model, columns) %}

with

counts as (

    select
        [
            {%- for column, range in columns.items() %}
                {
                    'column_name': '{{ column }}',
                    'failing_rows': count(*) filter (
                        where {{ column }} < {{ range[0] }} or {{ column }} > {{ range[1] }}
                    )
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
        failing_rows
    from per_column
    where failing_rows > 0

)

select * from final

{% endtest %}
