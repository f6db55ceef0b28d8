{#-
    Agreement of each scoring run with every other scoring run, split by the path that decided
    the first run's judgment (decided_by, as in judge_paths): over the responses both runs
    scored, n, exact agreement, within-one agreement (shares 0-1) and the mean absolute score
    difference. It shows whether a run's rules-decided judgments agree with another judge
    better than its overlap-estimated (or model-judged) ones.
-#}
with

judgments as (

    select * from {{ ref('stg_rescore__judgments') }}

),

paired as (

    select
        judgments.scoring_run,
        other_judgments.scoring_run as other_scoring_run,
        judgments.score,
        other_judgments.score as other_score,
        coalesce(judgments.decided_by, 'not recorded') as decided_by

    from judgments
    inner join judgments as other_judgments
        on
            judgments.response_id = other_judgments.response_id
            and judgments.scoring_run <> other_judgments.scoring_run
    where judgments.score is not null and other_judgments.score is not null

),

final as (

    select
        scoring_run,
        decided_by,
        other_scoring_run,
        count(*) as n,
        avg((score = other_score)::integer) as exact_agreement,
        avg((abs(score - other_score) <= 1)::integer) as within_one,
        avg(abs(score - other_score)) as mean_abs_difference

    from paired
    group by scoring_run, decided_by, other_scoring_run

)

select * from final
