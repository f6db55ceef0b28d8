{#- Each listed column of a model holds only its accepted values (nulls pass, as in dbt's
    `accepted_values`): one test node (one scan) per model instead of one `accepted_values` node
    per column (~50 ms each whatever the data, issue 13). `columns` maps a column to its list of
    values (compared as quoted strings, as `accepted_values` does by default). Returns one row per
    column holding other values, naming it and counting the rows; `rescore build` prints them. -#}
{% test accepted_values_columns(model, columns) %}

with

counts as (

    select
        [
            {%- for column, values in columns.items() %}
                {
                    'column_name': '{{ column }}',
                    'failing_rows': count(*) filter (
                        where {{ column }} not in (
                            {%- for value in values -%}
                                '{{ value | replace("'", "''") }}'{{ "," if not loop.last }}
                            {%- endfor -%}
                        )
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
