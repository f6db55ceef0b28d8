{#-
    Per scoring run and the path that decided its judgments (decided_by: `rules` for a
    deterministic rule, `overlap` for the rules judge's word-overlap estimate, `model` for a
    model judge, `not recorded` for imports and judgments made before the column existed):
    how many judgments and what share of the run's judgments that path decided.
-#}
with

judgments as (

    select * from {{ ref('stg_rescore__judgments') }}

),

scoring_runs as (

    select * from {{ ref('stg_rescore__scoring_runs') }}

),

pathed as (

    select
        scoring_run,
        coalesce(decided_by, 'not recorded') as decided_by

    from judgments

),

counted as (

    select
        scoring_run,
        decided_by,
        count(*) as judgments

    from pathed
    group by scoring_run, decided_by

),

totals as (

    select
        scoring_run,
        sum(judgments) as run_judgments

    from counted
    group by scoring_run

),

final as (

    select
        counted.scoring_run,
        scoring_runs.judge,
        counted.decided_by,
        counted.judgments,
        counted.judgments / totals.run_judgments as share_of_run

    from counted
    inner join totals
        on counted.scoring_run = totals.scoring_run
    left join scoring_runs
        on counted.scoring_run = scoring_runs.scoring_run

)

select * from final
