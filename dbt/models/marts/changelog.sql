{#-
    Per ordered pair of scoring runs (scoring_run, previous_scoring_run): what changed from the
    previous to this one, one row per change: a pick slot whose config changed, a config newly
    on or cleared from Models to avoid, and each config's rank and pct moves on its
    leaderboard. Every ordered pair is listed; is_latest_previous marks the scoring run created
    last before this one, the default "since the previous version".
-#}
with

scoring_runs as (

    select * from {{ ref('stg_rescore__scoring_runs') }}

),

top_performers as (

    select * from {{ ref('top_performers') }}

),

models_to_avoid as (

    select * from {{ ref('models_to_avoid') }}

),

leaderboard_all_runs as (

    select * from {{ ref('leaderboard') }}

),

leaderboard as (

    -- a scoring run may cover several runs sharing config names (weekly runs): a config is
    -- compared on the newest run it has in each scoring run, one row per config and category
    select *

    from leaderboard_all_runs
    qualify row_number() over (
        partition by scoring_run, category, config
        order by run_id desc
    ) = 1

),

configs as (

    select * from {{ ref('configs') }}

),

pairs as (

    select
        current_run.scoring_run,
        previous_run.scoring_run as previous_scoring_run,
        previous_run.created_at as previous_created_at,
        row_number() over (
            partition by current_run.scoring_run
            order by previous_run.created_at desc, previous_run.scoring_run desc
        ) as recency,
        previous_run.created_at < current_run.created_at as is_earlier

    from scoring_runs as current_run
    inner join scoring_runs as previous_run
        on current_run.scoring_run != previous_run.scoring_run

),

pairs_marked as (

    select
        scoring_run,
        previous_scoring_run,
        coalesce(
            is_earlier
            and recency = min(recency) filter (where is_earlier) over (
                partition by scoring_run
            ),
            false
        ) as is_latest_previous

    from pairs

),

categories as (

    select * from {{ ref('categories') }}

),

pick_slots as (

    select
        top_performers.scoring_run,
        top_performers.config,
        top_performers.run_id,
        top_performers.pick_group,
        top_performers.category,
        top_performers.pct,
        coalesce(top_performers.pick_group, top_performers.category)
        || '/'
        || top_performers.pick as slot,
        coalesce(
            top_performers.pick_label,
            coalesce(categories.title, top_performers.category)
            || ' ('
            || top_performers.pick
            || ')'
        ) as slot_label

    from top_performers
    left join categories
        on top_performers.category = categories.category

),

pair_slots as (

    select distinct
        pairs_marked.scoring_run,
        pairs_marked.previous_scoring_run,
        pairs_marked.is_latest_previous,
        pick_slots.slot

    from pairs_marked
    inner join pick_slots
        on pick_slots.scoring_run in (
            pairs_marked.scoring_run, pairs_marked.previous_scoring_run
        )

),

picks_changed as (

    select
        pair_slots.scoring_run,
        pair_slots.previous_scoring_run,
        pair_slots.is_latest_previous,
        'pick_changed' as change_kind,
        pair_slots.slot as subject,
        current_pick.config,
        current_pick.run_id,
        previous_pick.config as previous_config,
        coalesce(current_pick.pick_group, previous_pick.pick_group) as pick_group,
        coalesce(current_pick.category, previous_pick.category) as category,
        previous_pick.config as previous_value,
        current_pick.config as value,
        previous_pick.pct as previous_pct,
        current_pick.pct,
        format(
            '{} pick: {} -> {}',
            coalesce(current_pick.slot_label, previous_pick.slot_label),
            coalesce(previous_pick.config, 'none'),
            coalesce(current_pick.config, 'none')
        ) as description

    from pair_slots
    left join pick_slots as current_pick
        on
            pair_slots.scoring_run = current_pick.scoring_run
            and pair_slots.slot = current_pick.slot
    left join pick_slots as previous_pick
        on
            pair_slots.previous_scoring_run = previous_pick.scoring_run
            and pair_slots.slot = previous_pick.slot
    where current_pick.config is distinct from previous_pick.config

),

judged as (

    select distinct
        scoring_run,
        run_id,
        config,
        category

    from leaderboard

),

avoided as (

    -- on the list in the run the config is compared on (its newest judged run)
    select distinct
        models_to_avoid.scoring_run,
        models_to_avoid.run_id,
        models_to_avoid.config,
        models_to_avoid.category,
        models_to_avoid.reason

    from models_to_avoid
    semi join judged
        on
            models_to_avoid.scoring_run = judged.scoring_run
            and models_to_avoid.run_id = judged.run_id
            and models_to_avoid.config = judged.config

),

pair_directions as (

    -- each pair both ways: a config avoided on one side and judged, not avoided, on the
    -- other is newly_avoided (avoided in the current run) or cleared (in the previous one)
    select
        scoring_run,
        previous_scoring_run,
        is_latest_previous,
        'newly_avoided' as change_kind,
        scoring_run as avoided_run,
        previous_scoring_run as other_run

    from pairs_marked

    union all

    select
        scoring_run,
        previous_scoring_run,
        is_latest_previous,
        'cleared' as change_kind,
        previous_scoring_run as avoided_run,
        scoring_run as other_run

    from pairs_marked

),

avoid_changes as (

    select
        pair_directions.scoring_run,
        pair_directions.previous_scoring_run,
        pair_directions.is_latest_previous,
        pair_directions.change_kind,
        avoided.config as subject,
        avoided.config,
        case
            when pair_directions.change_kind = 'newly_avoided' then avoided.run_id
            else other_judged.run_id
        end as run_id,
        avoided.category,
        case
            when pair_directions.change_kind = 'newly_avoided'
                then format('newly on Models to avoid: {}', coalesce(avoided.reason, ''))
            else format('no longer on Models to avoid (was: {})', coalesce(avoided.reason, ''))
        end as description

    from pair_directions
    inner join avoided
        on pair_directions.avoided_run = avoided.scoring_run
    inner join judged as other_judged
        on
            pair_directions.other_run = other_judged.scoring_run
            and avoided.config = other_judged.config
    anti join avoided as other_avoided
        on
            pair_directions.other_run = other_avoided.scoring_run
            and avoided.config = other_avoided.config

),

moves as (

    select
        pairs_marked.scoring_run,
        pairs_marked.previous_scoring_run,
        pairs_marked.is_latest_previous,
        current_rows.config,
        current_rows.run_id,
        current_rows.category,
        previous_rows.rank as previous_rank,
        current_rows.rank,
        previous_rows.pct as previous_pct,
        current_rows.pct,
        previous_rows.pct_ci_low as previous_pct_ci_low,
        previous_rows.pct_ci_high as previous_pct_ci_high,
        current_rows.pct_ci_low,
        current_rows.pct_ci_high,
        previous_rows.rank - current_rows.rank as rank_delta,
        current_rows.pct - previous_rows.pct as pct_delta

    from pairs_marked
    inner join leaderboard as current_rows
        on pairs_marked.scoring_run = current_rows.scoring_run
    inner join leaderboard as previous_rows
        on
            pairs_marked.previous_scoring_run = previous_rows.scoring_run
            and current_rows.category = previous_rows.category
            and current_rows.config = previous_rows.config

),

move_kinds as (

    select unnest(['rank_move', 'pct_move']) as change_kind

),

move_changes as (

    -- one long-form CTE for both move kinds: a rank move when the rank changed, a pct move
    -- when pct moved at least changelog_min_pct_move points
    select
        moves.*,
        move_kinds.change_kind,
        moves.config as subject,
        case
            when move_kinds.change_kind = 'rank_move' then moves.previous_rank::varchar
            else format('{:.1f}', moves.previous_pct)
        end as previous_value,
        case
            when move_kinds.change_kind = 'rank_move' then moves.rank::varchar
            else format('{:.1f}', moves.pct)
        end as value,
        case
            when move_kinds.change_kind = 'rank_move'
                then format('rank {} -> {}', moves.previous_rank, moves.rank)
            else format(
                '{:.1f}% -> {:.1f}% ({:+.1f} points)',
                moves.previous_pct,
                moves.pct,
                moves.pct_delta
            )
        end as description

    from moves
    cross join move_kinds
    where
        (move_kinds.change_kind = 'rank_move' and moves.rank_delta != 0)
        or (
            move_kinds.change_kind = 'pct_move'
            and abs(moves.pct_delta) >= {{ var('changelog_min_pct_move') }}
        )

),

changes as (

    select * from picks_changed
    union all by name
    select * from avoid_changes
    union all by name
    select * from move_changes

),

changes_ordered as (

    select
        *,
        row_number() over (
            partition by scoring_run, previous_scoring_run, change_kind
            order by
                case
                    when change_kind = 'pct_move' then abs(pct_delta)
                    when change_kind = 'rank_move' then abs(rank_delta)
                end desc nulls last,
                subject asc
        ) as move_order

    from changes

),

final as (

    select
        changes_ordered.scoring_run,
        changes_ordered.previous_scoring_run,
        changes_ordered.is_latest_previous,
        changes_ordered.change_kind,
        changes_ordered.subject,
        changes_ordered.config,
        changes_ordered.previous_config,
        changes_ordered.pick_group,
        changes_ordered.category,
        configs.display_label,
        changes_ordered.previous_value,
        changes_ordered.value,
        changes_ordered.previous_rank,
        changes_ordered.rank,
        changes_ordered.rank_delta,
        changes_ordered.previous_pct,
        changes_ordered.pct,
        changes_ordered.pct_delta,
        changes_ordered.previous_pct_ci_low,
        changes_ordered.previous_pct_ci_high,
        changes_ordered.pct_ci_low,
        changes_ordered.pct_ci_high,
        changes_ordered.move_order,
        changes_ordered.description,
        case
            when
                changes_ordered.pct_ci_low is not null
                and changes_ordered.previous_pct_ci_low is not null
                then
                    changes_ordered.pct_ci_low <= changes_ordered.previous_pct_ci_high
                    and changes_ordered.previous_pct_ci_low <= changes_ordered.pct_ci_high
        end as is_within_noise

    from changes_ordered
    left join configs
        on
            changes_ordered.run_id = configs.run_id
            and changes_ordered.config = configs.config

)

select * from final
