{#- The scaffold of the per-model column tests (not_null_columns, accepted_values_columns,
    value_between_columns): one scan of the model counting, for each column, the rows its
    predicate says fail; one row per column with failing rows (column_name and the count
    named `count_name`). One test node per model instead of one per column (~50 ms each
    whatever the data, issue 13); `rescore build` reruns the compiled query on failure to name
    the columns. `predicates` maps a column to the SQL condition of a failing row. -#}
{% macro per_column_failures(model, predicates, count_name='failing_rows') %}

with

counts as (

    select
        [
            {%- for column, predicate in predicates.items() %}
                {
                    'column_name': '{{ column }}',
                    '{{ count_name }}': count(*) filter (where {{ predicate }})
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
        {{ count_name }}
    from per_column
    where {{ count_name }} > 0

)

select * from final

{% endmacro %}
