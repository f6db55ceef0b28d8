-- No config is both a pick (marts.top_performers) and on marts.models_to_avoid in the same
-- scoring run: the decision model (config_assessment) makes the two exclusive.
select
    picks.scoring_run,
    picks.run_id,
    picks.config,
    picks.pick,
    avoided.reason

from {{ ref('top_performers') }} as picks
inner join {{ ref('models_to_avoid') }} as avoided
    on
        picks.scoring_run = avoided.scoring_run
        and picks.run_id = avoided.run_id
        and picks.config = avoided.config
