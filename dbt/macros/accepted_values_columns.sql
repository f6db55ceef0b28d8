{#- Each listed column of a model holds only its accepted values (nulls pass, as in dbt's
    `accepted_values`): one test node (one scan) per model instead of one `accepted_values` node
    per column (issue 13). `columns` maps a column to its list of values (compared as quoted
    strings, as `accepted_values` does by default). Returns one row per column holding other
    values, naming it and counting the rows; the scan is per_column_failures. -#}
{% test accepted_values_columns(model, columns) %}
    {%- set predicates = {} -%}
    {%- for column, values in columns.items() -%}
        {%- set quoted = [] -%}
        {%- for value in values -%}
            {%- do quoted.append("'" ~ (value | replace("'", "''")) ~ "'") -%}
        {%- endfor -%}
        {%- do predicates.update({column: column ~ ' not in (' ~ quoted | join(', ') ~ ')'}) -%}
    {%- endfor -%}
    {{ per_column_failures(model, predicates) }}
{% endtest %}
