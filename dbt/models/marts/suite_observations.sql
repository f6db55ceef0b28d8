{#-
    Per (scoring_run, suite): how all judged configs did on the suite, and whether every one of
    them scored below suite_low_pct (a suite-level finding, not a model's fault).
-#}
with

suite_scores as (

    select * from {{ ref('suite_scores') }}

),

aggregated as (

    select
        scoring_run,
        suite,
        sum(judged)::bigint as judged,
        count(*) as configs,
        avg(pct) as avg_pct,
        min(pct) as min_pct,
        max(pct) as max_pct

    from suite_scores
    group by scoring_run, suite

),

final as (

    select
        *,
        max_pct < {{ var('suite_low_pct') }} as is_all_low,
        case
            when max_pct < {{ var('suite_low_pct') }}
                then format(
                    'every config scores below {}% ({:.0f}-{:.0f}%)',
                    {{ var('suite_low_pct') }},
                    min_pct,
                    max_pct
                )
        end as observation

    from aggregated

)

select * from final
