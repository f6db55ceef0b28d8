-- Every pick is a ranked leaderboard row (the coverage rule): a config judged on too few of
-- its suite questions is listed apart, never picked.
select
    picks.scoring_run,
    picks.run_id,
    picks.config,
    picks.pick,
    leaderboard.is_ranked

from {{ ref('top_performers') }} as picks
left join {{ ref('leaderboard') }} as leaderboard
    on
        picks.scoring_run = leaderboard.scoring_run
        and picks.run_id = leaderboard.run_id
        and picks.config = leaderboard.config
where
    picks.config is not null
    and not coalesce(leaderboard.is_ranked, false)
