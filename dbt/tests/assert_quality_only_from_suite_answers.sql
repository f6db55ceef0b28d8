-- Quality only from suite answers (issue 10.1): no leaderboard row rests on records that do
-- not count for quality. A config whose only records are speed tests or ids no suite has
-- (whoever scored them) has no row, and no row judged more responses than count.
select
    leaderboard.scoring_run,
    leaderboard.run_id,
    leaderboard.config,
    leaderboard.judged,
    leaderboard.suite_responses

from {{ ref('leaderboard') }} as leaderboard
where
    coalesce(leaderboard.suite_responses, 0) = 0
    or leaderboard.judged > leaderboard.suite_responses
