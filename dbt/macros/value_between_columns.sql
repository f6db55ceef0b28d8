{#- Each listed column of a model stays inside its closed range (nulls pass: not_null_columns
    says whether they may exist): one test node (one scan) per model instead of one
    `value_between` node per column (issue 13). `columns` maps a column to
    [min_value, max_value]. Returns one row per column with rows out of range, naming it and
    counting them; the scan is per_column_failures. -#}
{% test value_between_columns(model, columns) %}
    {%- set predicates = {} -%}
    {%- for column, range in columns.items() -%}
        {%- do predicates.update(
            {column: column ~ ' < ' ~ range[0] ~ ' or ' ~ column ~ ' > ' ~ range[1]}
        ) -%}
    {%- endfor -%}
    {{ per_column_failures(model, predicates) }}
{% endtest %}
