{#-
    One row per (scoring_run, suite, question_id) for every suite question answered in the
    runs the scoring run judged: the question, and how the judged responses to it scored.
-#}
with

responses as (

    select * from {{ ref('responses') }}

),

questions as (

    select * from {{ ref('stg_rescore__questions') }}

),

answers_aggregated as (

    select
        scoring_run,
        suite,
        question_id,
        coalesce(sum(score), 0)::bigint as score,
        count(*) as responses,
        count(score) as judged,
        3 * count(score) as max_score,
        avg(score) as mean_score,
        count(*) filter (where score = 3) as full_marks,
        count(*) filter (where score = 0) as zero_scores,
        count(distinct config) filter (where score is not null) as configs_judged

    from responses
    where counts_for_quality
    group by scoring_run, suite, question_id

),

questions_scored as (

    select
        answers_aggregated.*,
        questions.name,
        questions.tier,
        questions.prompt,
        questions.expected,
        questions.reference_answer,
        questions.scoring::varchar as scoring_criteria,
        questions.auto_score,
        case
            when answers_aggregated.judged > 0
                then 100.0 * answers_aggregated.score / answers_aggregated.max_score
        end as pct

    from answers_aggregated
    inner join questions
        on
            answers_aggregated.suite = questions.suite
            and answers_aggregated.question_id = questions.question_id

),

final as (

    select
        *,
        case
            when judged > 0
                then row_number() over (
                    partition by scoring_run, suite, judged > 0
                    order by pct asc, judged desc, question_id asc
                )
        end as difficulty_rank

    from questions_scored

)

select * from final
