{#- Every row's composite key exists in the parent model (relationships over several columns). -#}
{% test has_parent(model, to, columns) %}

select child.*
from {{ model }} as child
where not exists (
    select 1
    from {{ to }} as parent
    where
        {% for column in columns -%}
            parent.{{ column }} = child.{{ column }}{% if not loop.last %} and {% endif %}
        {%- endfor %}
)

{% endtest %}
