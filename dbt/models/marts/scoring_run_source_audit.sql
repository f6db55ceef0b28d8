{#-
    Per (scoring_run, source_file): the audit figures of the judgments one file (or one judge
    rescore ran, source_file '(judge)') contributed, and the verdict on them.
-#}
with

figures as (

    {{ audit_figures(['scoring_run', 'source_file']) | indent(4) }}

),

final as (

    select
        *,
        case
            when {{ audit_is_templated() }} then 'templated'
            when {{ audit_is_lenient_on_broken() }} then 'lenient_on_broken'
            when {{ audit_contradicts_checks() }} then 'contradicts_checks'
            else 'ok'
        end as verdict,
        coalesce(
            nullif(concat_ws('; ', {{ audit_reason_parts() }}), ''),
            format(
                '{} distinct reasons for {} judgments; {} of {} broken responses scored 2 or 3',
                distinct_reasons, judgments, broken_scored_high, broken_judged
            )
        ) as reason

    from figures

)

select * from final
