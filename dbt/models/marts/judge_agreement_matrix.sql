{#-
    Confusion matrix of every pair of scoring runs that scored the same responses: one row per
    (scoring_run_a, scoring_run_b, score_a, score_b), all 16 cells, empty cells with n = 0.
    scoring_run_a sorts before scoring_run_b.
-#}
with

paired as (

    select
        scoring_run as scoring_run_a,
        other_scoring_run as scoring_run_b,
        score as score_a,
        other_score as score_b

    from {{ ref('int_judgments_paired') }}
    where scoring_run < other_scoring_run

),

pairs as (

    select distinct
        scoring_run_a,
        scoring_run_b

    from paired

),

scores as (

    select unnest([0, 1, 2, 3]) as score

),

cells as (

    select
        pairs.scoring_run_a,
        pairs.scoring_run_b,
        scores_a.score as score_a,
        scores_b.score as score_b

    from pairs
    cross join scores as scores_a
    cross join scores as scores_b

),

counted as (

    select
        scoring_run_a,
        scoring_run_b,
        score_a,
        score_b,
        count(*) as n

    from paired
    group by scoring_run_a, scoring_run_b, score_a, score_b

),

final as (

    select
        cells.scoring_run_a,
        cells.scoring_run_b,
        cells.score_a,
        cells.score_b,
        coalesce(counted.n, 0) as n

    from cells
    left join counted
        on
            cells.scoring_run_a = counted.scoring_run_a
            and cells.scoring_run_b = counted.scoring_run_b
            and cells.score_a = counted.score_a
            and cells.score_b = counted.score_b

)

select * from final
