{#-
    Schemas are exactly the names the layers declare (staging, intermediate, marts, seeds),
    not dbt's default `<target schema>_<custom schema>`: SQL users query `marts.leaderboard`.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
