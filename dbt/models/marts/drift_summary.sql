{#-
    Per (scoring_run, baseline): how many configs were compared with the baseline and how many
    moved down (regressions), up (gains) or stayed, with the biggest moves.
    Significance is marts.drift's: is_significant (its interval of delta_pct excludes 0).
-#}
with

drift as (

    select * from {{ ref('drift') }}

),

moves_ranked as (

    select
        *,
        row_number() over (
            partition by scoring_run, baseline
            order by delta_pct asc, config asc, run_id asc
        ) as worst_rank,
        row_number() over (
            partition by scoring_run, baseline
            order by delta_pct desc, config asc, run_id asc
        ) as best_rank

    from drift
    where delta_pct is not null

),

aggregated as (

    select
        scoring_run,
        baseline,
        any_value(baseline_kind) as baseline_kind,
        count(*) as compared,
        count(*) filter (where delta_pct < 0) as regressions,
        count(*) filter (where delta_pct > 0) as gains,
        count(*) filter (where delta_pct = 0) as unchanged,
        avg(delta_pct) as mean_delta_pct,
        count(*) filter (where is_significant) as significant_known,
        bool_or(is_significant is not null) as has_significance,
        count(*) filter (where is_significant and delta_pct < 0) as significant_regressions_known,
        count(*) filter (where is_significant and delta_pct > 0) as significant_gains_known,
        any_value(config) filter (where worst_rank = 1) as worst_config,
        any_value(delta_pct) filter (where worst_rank = 1) as worst_delta_pct,
        any_value(config) filter (where best_rank = 1) as best_config,
        any_value(delta_pct) filter (where best_rank = 1) as best_delta_pct

    from moves_ranked
    group by scoring_run, baseline

),

final as (

    select
        scoring_run,
        baseline,
        baseline_kind,
        compared,
        regressions,
        gains,
        unchanged,
        mean_delta_pct,
        worst_config,
        worst_delta_pct,
        best_config,
        best_delta_pct,
        case when has_significance then significant_known end as significant,
        case
            when has_significance then significant_regressions_known
        end as significant_regressions,
        case when has_significance then significant_gains_known end as significant_gains

    from aggregated

)

select * from final
