{#-
    Per scoring run: the audit figures over all its judgments, the share of them that come
    from source files the source audit calls templated, and the verdict.
-#}
with

figures as (

    {{ audit_figures(['scoring_run']) | indent(4) }}

),

source_audit as (

    select * from {{ ref('scoring_run_source_audit') }}

),

sources_summarised as (

    select
        scoring_run,
        count(*) as source_files,
        count(*) filter (where verdict != 'ok') as source_files_not_ok,
        coalesce(sum(judgments) filter (where verdict = 'templated'), 0)
            as judgments_in_templated_sources

    from source_audit
    group by scoring_run

),

figures_joined as (

    select
        figures.*,
        sources_summarised.source_files,
        sources_summarised.source_files_not_ok,
        sources_summarised.judgments_in_templated_sources,
        sources_summarised.judgments_in_templated_sources / figures.judgments
            as templated_source_share

    from figures
    inner join sources_summarised
        on figures.scoring_run = sources_summarised.scoring_run

),

final as (

    select
        *,
        case
            when
                {{ audit_is_templated() }}
                or templated_source_share >= {{ var('audit_templated_source_share') }}
                then 'templated'
            when {{ audit_is_lenient_on_broken() }} then 'lenient_on_broken'
            when {{ audit_contradicts_checks() }} then 'contradicts_checks'
            else 'ok'
        end as verdict,
        coalesce(
            nullif(
                concat_ws(
                    '; ',
                    {{ audit_reason_parts() | indent(20) }},
                    case
                        when
                            templated_source_share
                            >= {{ var('audit_templated_source_share') }}
                            then format(
                                '{:.0f}% of the judgments come from templated files',
                                100.0 * templated_source_share
                            )
                    end
                ),
                ''
            ),
            format(
                '{} distinct reasons for {} judgments; {} of {} broken responses scored 2 or 3',
                distinct_reasons, judgments, broken_scored_high, broken_judged
            )
        ) as reason

    from figures_joined

)

select * from final
