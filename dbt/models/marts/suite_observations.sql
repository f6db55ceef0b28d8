{#-
    Per (scoring_run, suite): how all judged configs did on the suite, and whether every one of
    them scored below suite_low_pct (a suite-level finding, not a model's fault); the range of
    config pcts, and the question that every config found hardest.
-#}
with

suite_scores as (

    select * from {{ ref('suite_scores') }}

),

judgments as (

    select * from {{ ref('int_judgments_enriched') }}

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

questions_aggregated as (

    select
        scoring_run,
        suite,
        question_id,
        count(*) as judged,
        100.0 * sum(score) / (3 * count(*)) as pct,
        count(*) filter (where score = 3) as full_marks

    from judgments
    group by scoring_run, suite, question_id

),

questions_ranked as (

    select
        *,
        row_number() over (
            partition by scoring_run, suite
            order by pct asc, judged desc, question_id asc
        ) as difficulty_rank

    from questions_aggregated

),

questions_summarised as (

    select
        scoring_run,
        suite,
        count(*) as questions,
        count(*) filter (where full_marks = 0) as questions_never_full_marks,
        any_value(question_id) filter (where difficulty_rank = 1) as hardest_question,
        any_value(pct) filter (where difficulty_rank = 1) as hardest_question_pct

    from questions_ranked
    group by scoring_run, suite

),

final as (

    select
        aggregated.*,
        aggregated.max_pct < {{ var('suite_low_pct') }} as is_all_low,
        case
            when aggregated.max_pct < {{ var('suite_low_pct') }}
                then format(
                    'every config scores below {}% ({:.0f}-{:.0f}%)',
                    {{ var('suite_low_pct') }},
                    aggregated.min_pct,
                    aggregated.max_pct
                )
        end as observation,
        format('{:.0f}-{:.0f}%', aggregated.min_pct, aggregated.max_pct) as pct_range,
        questions_summarised.questions,
        questions_summarised.questions_never_full_marks,
        questions_summarised.hardest_question,
        questions_summarised.hardest_question_pct

    from aggregated
    inner join questions_summarised
        on
            aggregated.scoring_run = questions_summarised.scoring_run
            and aggregated.suite = questions_summarised.suite

)

select * from final
