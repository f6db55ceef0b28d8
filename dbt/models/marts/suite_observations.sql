{#-
    Per (scoring_run, suite): how all judged configs did on the suite, and whether every one of
    them scored below suite_low_pct (a suite-level finding, not a model's fault); the range of
    config pcts, the median, the best and worst config, the suite's difficulty order in the
    scoring run, and the question that every config found hardest.
-#}
with

suite_scores as (

    select * from {{ ref('suite_scores') }}

),

judgments as (

    select * from {{ ref('int_judgments_enriched') }}

),

configs as (

    select * from {{ ref('configs') }}

),

configs_ranked as (

    select
        suite_scores.scoring_run,
        suite_scores.suite,
        suite_scores.config,
        suite_scores.pct,
        configs.display_label,
        row_number() over (
            partition by suite_scores.scoring_run, suite_scores.suite
            order by
                suite_scores.pct desc,
                suite_scores.judged desc,
                suite_scores.config asc,
                suite_scores.run_id asc
        ) as best_rank,
        row_number() over (
            partition by suite_scores.scoring_run, suite_scores.suite
            order by
                suite_scores.pct asc,
                suite_scores.judged desc,
                suite_scores.config asc,
                suite_scores.run_id asc
        ) as worst_rank

    from suite_scores
    left join configs
        on
            suite_scores.run_id = configs.run_id
            and suite_scores.config = configs.config
    where suite_scores.pct is not null

),

best_and_worst as (

    select
        scoring_run,
        suite,
        any_value(config) filter (where best_rank = 1) as best_config,
        any_value(display_label) filter (where best_rank = 1) as best_display_label,
        any_value(pct) filter (where best_rank = 1) as best_pct,
        any_value(config) filter (where worst_rank = 1) as worst_config,
        any_value(display_label) filter (where worst_rank = 1) as worst_display_label,
        any_value(pct) filter (where worst_rank = 1) as worst_pct

    from configs_ranked
    group by scoring_run, suite

),

aggregated as (

    select
        scoring_run,
        suite,
        sum(judged)::bigint as judged,
        count(*) as configs,
        avg(pct) as avg_pct,
        min(pct) as min_pct,
        max(pct) as max_pct,
        median(pct) as median_pct

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

suites_ranked as (

    select
        *,
        row_number() over (
            partition by scoring_run
            order by avg_pct asc, suite asc
        ) as difficulty_rank,
        max(avg_pct) over (partition by scoring_run) as easiest_suite_avg_pct

    from aggregated

),

final as (

    select
        suites_ranked.*,
        suites_ranked.max_pct < {{ var('suite_low_pct') }} as is_all_low,
        case
            when suites_ranked.max_pct < {{ var('suite_low_pct') }}
                then format(
                    'every config scores below {}% ({:.0f}-{:.0f}%)',
                    {{ var('suite_low_pct') }},
                    suites_ranked.min_pct,
                    suites_ranked.max_pct
                )
        end as observation,
        format('{:.0f}-{:.0f}%', suites_ranked.min_pct, suites_ranked.max_pct) as pct_range,
        questions_summarised.questions,
        questions_summarised.questions_never_full_marks,
        questions_summarised.hardest_question,
        questions_summarised.hardest_question_pct,
        best_and_worst.best_config,
        best_and_worst.best_display_label,
        best_and_worst.best_pct,
        best_and_worst.worst_config,
        best_and_worst.worst_display_label,
        best_and_worst.worst_pct,
        best_and_worst.best_pct < suites_ranked.easiest_suite_avg_pct as is_best_below_easiest_mean

    from suites_ranked
    inner join questions_summarised
        on
            suites_ranked.scoring_run = questions_summarised.scoring_run
            and suites_ranked.suite = questions_summarised.suite
    left join best_and_worst
        on
            suites_ranked.scoring_run = best_and_worst.scoring_run
            and suites_ranked.suite = best_and_worst.suite

)

select * from final
