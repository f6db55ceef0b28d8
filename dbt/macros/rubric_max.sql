{#-
    The rubric's maximum: every judgment scores 0-3, so n judgments can reach 3 * n points.
    rubric_max() is the maximum of one judgment; rubric_max('count(*)') that of a group.
    Written once here so a rubric change is one edit.
-#}
{% macro rubric_max(judgments='1') -%}
    (3 * {{ judgments }})
{%- endmacro %}
