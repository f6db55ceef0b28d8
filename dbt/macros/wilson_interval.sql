{#-
    95% Wilson score interval for a share p (0-1) observed on n items, returned on the 0-100
    scale. Used for pct: a judged response's share of the rubric lies in [0, 1], and a variable
    bounded in [0, 1] with mean p has variance at most p(1 - p) (the Bernoulli case), so the
    Wilson interval with n = judged responses is a conservative interval for the mean score.
    It stays inside 0-100, is not zero-width at 0% or 100%, and always contains p.
-#}
{% macro wilson_low(p, n, z=1.959964) -%}
    case
        when {{ n }} > 0
            then 100.0 * greatest(0.0, (
                ({{ p }}) + {{ z }} * {{ z }} / (2.0 * {{ n }})
                - {{ z }} * sqrt(
                    ({{ p }}) * (1 - ({{ p }})) / {{ n }}
                    + {{ z }} * {{ z }} / (4.0 * {{ n }} * {{ n }})
                )
            ) / (1 + {{ z }} * {{ z }} / {{ n }}))
    end
{%- endmacro %}

{% macro wilson_high(p, n, z=1.959964) -%}
    case
        when {{ n }} > 0
            then 100.0 * least(1.0, (
                ({{ p }}) + {{ z }} * {{ z }} / (2.0 * {{ n }})
                + {{ z }} * sqrt(
                    ({{ p }}) * (1 - ({{ p }})) / {{ n }}
                    + {{ z }} * {{ z }} / (4.0 * {{ n }} * {{ n }})
                )
            ) / (1 + {{ z }} * {{ z }} / {{ n }}))
    end
{%- endmacro %}
