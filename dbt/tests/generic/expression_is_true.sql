{#- A boolean SQL expression holds on every row, e.g. `score <= max_score`. -#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
