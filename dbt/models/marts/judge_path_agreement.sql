{#-
    Agreement of each scoring run with every other scoring run, split by the path that decided
    the first run's judgment (decided_by, as in judge_paths): over the responses both runs
    scored, n, exact agreement, within-one agreement (shares 0-1) and the mean absolute score
    difference. It shows whether a run's rules-decided judgments agree with another judge
    better than its overlap-estimated (or model-judged) ones.
-#}
with

paired as (

    select * from {{ ref('int_judgments_paired') }}

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
