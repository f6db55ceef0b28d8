{#-
    Per pair of scoring runs that scored the same responses: n, exact agreement and within-one
    agreement (shares 0-1), and Cohen's kappa with quadratic weights computed from the
    confusion matrix: 1 - sum(w*observed) / sum(w*expected), w = (i - j)^2 (the usual
    1/(k-1)^2 factor cancels). Null when undefined (both runs gave one constant score).
-#}
with

matrix as (

    select * from {{ ref('judge_agreement_matrix') }}

),

scoring_runs as (

    select * from {{ ref('stg_rescore__scoring_runs') }}

),

marginals_a as (

    select
        scoring_run_a,
        scoring_run_b,
        score_a,
        sum(n) as n_a

    from matrix
    group by scoring_run_a, scoring_run_b, score_a

),

marginals_b as (

    select
        scoring_run_a,
        scoring_run_b,
        score_b,
        sum(n) as n_b

    from matrix
    group by scoring_run_a, scoring_run_b, score_b

),

observed as (

    select
        scoring_run_a,
        scoring_run_b,
        sum(n)::bigint as n,
        coalesce(sum(n) filter (where score_a = score_b), 0)::bigint as n_exact,
        coalesce(sum(n) filter (where abs(score_a - score_b) <= 1), 0)::bigint as n_within_one,
        sum(n * (score_a - score_b) ^ 2) as weighted_observed

    from matrix
    group by scoring_run_a, scoring_run_b

),

expected as (

    select
        marginals_a.scoring_run_a,
        marginals_a.scoring_run_b,
        sum(
            marginals_a.n_a * marginals_b.n_b * (marginals_a.score_a - marginals_b.score_b) ^ 2
        ) as weighted_expected_n2

    from marginals_a
    inner join marginals_b
        on
            marginals_a.scoring_run_a = marginals_b.scoring_run_a
            and marginals_a.scoring_run_b = marginals_b.scoring_run_b
    group by marginals_a.scoring_run_a, marginals_a.scoring_run_b

),

final as (

    select
        observed.scoring_run_a,
        observed.scoring_run_b,
        scoring_runs_a.judge as judge_a,
        scoring_runs_b.judge as judge_b,
        observed.n,
        observed.n_exact / observed.n as exact_agreement,
        observed.n_within_one / observed.n as within_one,
        case
            when expected.weighted_expected_n2 > 0
                then
                    1 - (observed.weighted_observed / observed.n)
                    / (expected.weighted_expected_n2 / (observed.n * observed.n))
        end as weighted_kappa

    from observed
    inner join expected
        on
            observed.scoring_run_a = expected.scoring_run_a
            and observed.scoring_run_b = expected.scoring_run_b
    left join scoring_runs as scoring_runs_a
        on observed.scoring_run_a = scoring_runs_a.scoring_run
    left join scoring_runs as scoring_runs_b
        on observed.scoring_run_b = scoring_runs_b.scoring_run

)

select * from final
