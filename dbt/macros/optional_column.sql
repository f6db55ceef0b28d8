{#-
    A raw column another stage is adding: the column cast to `type` when the table has it,
    else a typed null. Lets staging follow a DDL change (e.g. raw.scoring_runs.rubric) in
    either merge order and on warehouses created before the column existed.
-#}
{% macro optional_column(relation, column, type) -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for col in adapter.get_columns_in_relation(relation) -%}
            {%- do names.append(col.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if column | lower in names -%}
        {{ column }}::{{ type }}
    {%- else -%}
        null::{{ type }}
    {%- endif -%}
{%- endmacro %}
