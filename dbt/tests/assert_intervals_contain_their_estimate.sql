-- Every 95% interval contains the figure it is about: leaderboard pct, the picks' pct and
-- drift's delta_pct (a tolerance of 1e-9 for floating point).
select
    'leaderboard' as mart,
    scoring_run,
    config,
    pct as estimate,
    pct_ci_low as ci_low,
    pct_ci_high as ci_high

from {{ ref('leaderboard') }}
where not (pct_ci_low <= pct + 1e-9 and pct <= pct_ci_high + 1e-9)

union all

select
    'top_performers' as mart,
    scoring_run,
    config,
    pct as estimate,
    pct_ci_low as ci_low,
    pct_ci_high as ci_high

from {{ ref('top_performers') }}
where config is not null and not (pct_ci_low <= pct + 1e-9 and pct <= pct_ci_high + 1e-9)

union all

select
    'drift' as mart,
    scoring_run,
    config,
    delta_pct as estimate,
    delta_ci_low as ci_low,
    delta_ci_high as ci_high

from {{ ref('drift') }}
where not (delta_ci_low <= delta_pct + 1e-9 and delta_pct <= delta_ci_high + 1e-9)
