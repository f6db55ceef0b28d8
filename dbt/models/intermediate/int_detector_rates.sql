{#-
    One row per (run_id, config, detector): the share of the config's responses a detector
    flagged, the thresholds in force and the label each threshold writes. This is the one place
    where "rate >= threshold -> label" is stated: leaderboard notes (is_noted), critical issues
    and the decision model (is_critical) all read it. rate_label: the label the rate earns (the
    critical one when critical, else the note one), null below both thresholds.
    A detector without a note or critical threshold has that threshold null (never reached).
-#}
{%- set detectors = [
    {'detector': 'truncation', 'rate': 'truncated_rate', 'count': 'truncated',
     'note': var('note_truncation_rate'), 'critical': none,
     'note_label': 'many truncations', 'critical_label': none},
    {'detector': 'verbose', 'rate': 'verbose_rate', 'count': 'verbose_responses',
     'note': var('note_verbose_rate'), 'critical': none,
     'note_label': 'very verbose', 'critical_label': none},
    {'detector': 'echo', 'rate': 'echo_rate', 'count': 'echoed_responses',
     'note': var('note_echo_rate'), 'critical': var('critical_echo_rate'),
     'note_label': 'echoes prompts', 'critical_label': 'echoes the prompt'},
    {'detector': 'degenerate', 'rate': 'degenerate_rate', 'count': 'degenerate_responses',
     'note': var('note_degenerate_rate'), 'critical': var('critical_degenerate_rate'),
     'note_label': 'degenerates', 'critical_label': 'degenerates into repetition'},
    {'detector': 'empty', 'rate': 'empty_rate', 'count': 'empty_responses',
     'note': none, 'critical': var('critical_empty_rate'),
     'note_label': none, 'critical_label': 'empty answers'},
] -%}

with

response_facts as (

    select * from {{ ref('int_responses_aggregated_to_configs') }}

),

rates as (

    {% for d in detectors %}
        select
            run_id,
            config,
            '{{ d.detector }}' as detector,
            {{ loop.index }} as detector_order,
            {{ d.count }} as flagged,
            responses,
            {{ d.rate }} as rate,
            {{ d.note if d.note is not none else 'null' }}::double as note_threshold,
            {{ d.critical if d.critical is not none else 'null' }}::double
                as critical_threshold,
            {{ "'" ~ d.note_label ~ "'" if d.note_label else 'null' }}::varchar as note_label,
            {{ "'" ~ d.critical_label ~ "'" if d.critical_label else 'null' }}::varchar
                as critical_label

        from response_facts
        {% if not loop.last %}union all by name{% endif %}
    {% endfor %}

),

final as (

    select
        run_id,
        config,
        detector,
        detector_order,
        flagged,
        responses,
        rate,
        note_threshold,
        critical_threshold,
        note_label,
        critical_label,
        coalesce(rate >= note_threshold, false) as is_noted,
        coalesce(rate >= critical_threshold, false) as is_critical,
        case
            when coalesce(rate >= critical_threshold, false) then critical_label
            when coalesce(rate >= note_threshold, false) then note_label
        end as rate_label

    from rates

)

select * from final
