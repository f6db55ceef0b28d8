{#-
    One row per threshold var: its value in force for this build (a `--vars` override shows
    here) and its meaning from var threshold_descriptions, the one place descriptions live.
-#}
{%- set descriptions = var('threshold_descriptions') -%}

with

thresholds as (

    select
        described_vars.var_name as name,
        described_vars.var_value as value,
        described_vars.var_description as description

    from (
        values
        {%- for name in descriptions | sort %}
            (
                '{{ name }}',
                '{{ tojson(var(name)) | replace("'", "''") }}',
                '{{ descriptions[name] | replace("'", "''") }}'
            ){{ "," if not loop.last }}
        {%- endfor %}
    ) as described_vars (var_name, var_value, var_description)

),

final as (

    select
        name,
        value,
        description,
        try_cast(value as double) as value_number

    from thresholds

)

select * from final
