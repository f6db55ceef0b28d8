{#-
    The generation cap that actually applied to a response, given the cap the runner or suite
    declared: the same rule as judge/detectors.py `effective_cap` (the truncation detector),
    so pages show one cap. The real run generated at most 2048 tokens whatever the suite
    declared, and 1024 for suites declaring caps between 1024 and 2048. tests/test_dbt_house.py
    holds this macro against `effective_cap`, and a data test on marts.responses against the
    caps the detector wrote into its evidence.
-#}
{% macro token_cap(declared) -%}
    case
        when {{ declared }} is null or {{ declared }} <= 0 then 2048
        when {{ declared }} >= 2048 then 2048
        when {{ declared }} > 1024 then 1024
        else {{ declared }}
    end
{%- endmacro %}
