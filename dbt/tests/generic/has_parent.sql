{#-
    Every row's composite key exists in the parent model (relationships over several columns).
    The child is read through a CTE so that a test `where` config (which makes `model` a
    subquery) works too.
-#}
{% test has_parent(model, to, columns) %}

with

child as (

    select * from {{ model }}

)

select child.*
from child
where not exists (
    select 1
    from {{ to }} as parent
    where
        {% for column in columns -%}
            parent.{{ column }} = child.{{ column }}{% if not loop.last %} and {% endif %}
        {%- endfor %}
)

{% endtest %}
