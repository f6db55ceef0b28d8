{#- Every listed column of a model holds no null: one test node (one scan) per model instead of
    one `not_null` node per column (issue 13). Returns one row per column that holds nulls,
    naming it and counting them (`null_rows`); `rescore build` prints those rows. The scan is
    per_column_failures. -#}
{% test not_null_columns(model, columns) %}
    {%- set predicates = {} -%}
    {%- for column in columns -%}
        {%- do predicates.update({column: column ~ ' is null'}) -%}
    {%- endfor -%}
    {{ per_column_failures(model, predicates, count_name='null_rows') }}
{% endtest %}
