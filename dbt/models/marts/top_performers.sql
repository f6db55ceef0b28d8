{#-
    Per (scoring_run, category): the quality pick is the highest pct; ties go to the faster
    config (higher avg_tps), then to the config name. Categories in var speed_pick_categories
    (drafts) also get a speed pick: the fastest config whose pct reaches speed_pick_min_pct.

    Per (scoring_run, pick group) (seed role_pick_groups: the report's "Top Performers by
    Category" rows, e.g. architect and ingest within architect_ingest): pick `group_quality`
    by the same rule, among configs with at least pick_min_judged judged responses (a group
    whose configs all have fewer still gets its best one, has_min_judged false); groups in
    var speed_pick_groups also get `group_speed`, the speed rule under the same floor.
-#}
with

leaderboard as (

    select * from {{ ref('leaderboard') }}

),

role_pick_groups as (

    select * from {{ ref('role_pick_groups') }}

),

pick_groups as (

    select * from {{ ref('pick_groups') }}

),

quality_ranked as (

    select
        *,
        row_number() over (
            partition by scoring_run, category
            order by pct desc, avg_tps desc nulls last, config asc
        ) as pick_rank

    from leaderboard

),

speed_ranked as (

    select
        *,
        row_number() over (
            partition by scoring_run, category
            order by avg_tps desc nulls last, pct desc, config asc
        ) as pick_rank

    from leaderboard
    where
        category in (
            {%- for category in var('speed_pick_categories') %}
                '{{ category }}'{% if not loop.last %},{% endif %}
            {%- endfor %}
        )
        and pct >= {{ var('speed_pick_min_pct') }}
        and avg_tps is not null

),

leaderboard_grouped as (

    select
        leaderboard.*,
        role_pick_groups.pick_group,
        pick_groups.label as pick_group_label,
        pick_groups.sort_order as pick_group_order,
        leaderboard.judged >= {{ var('pick_min_judged') }} as has_min_judged,
        role_pick_groups.pick_group in (
            {%- for pick_group in var('speed_pick_groups') %}
                '{{ pick_group }}'{% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as has_speed_pick

    from leaderboard
    inner join role_pick_groups
        on leaderboard.role = role_pick_groups.role
    inner join pick_groups
        on role_pick_groups.pick_group = pick_groups.pick_group

),

group_quality_ranked as (

    select
        *,
        row_number() over (
            partition by scoring_run, pick_group
            order by has_min_judged desc, pct desc, avg_tps desc nulls last, config asc
        ) as pick_rank

    from leaderboard_grouped

),

group_speed_ranked as (

    select
        *,
        row_number() over (
            partition by scoring_run, pick_group
            order by has_min_judged desc, avg_tps desc nulls last, pct desc, config asc
        ) as pick_rank

    from leaderboard_grouped
    where
        has_speed_pick
        and pct >= {{ var('speed_pick_min_pct') }}
        and avg_tps is not null

),

picks as (

    select
        scoring_run,
        category,
        'quality' as pick,
        config,
        run_id,
        model,
        role,
        score,
        max_score,
        pct,
        avg_tps,
        'highest pct; ties broken by higher avg_tps, then config name' as rule,
        null::varchar as pick_group,
        null::varchar as pick_label,
        null::integer as pick_order,
        judged,
        judged >= {{ var('pick_min_judged') }} as has_min_judged

    from quality_ranked
    where pick_rank = 1

    union all

    select
        scoring_run,
        category,
        'speed' as pick,
        config,
        run_id,
        model,
        role,
        score,
        max_score,
        pct,
        avg_tps,
        'highest avg_tps among configs with pct >= {{ var("speed_pick_min_pct") }}' as rule,
        null::varchar as pick_group,
        null::varchar as pick_label,
        null::integer as pick_order,
        judged,
        judged >= {{ var('pick_min_judged') }} as has_min_judged

    from speed_ranked
    where pick_rank = 1

    union all

    select
        scoring_run,
        category,
        'group_quality' as pick,
        config,
        run_id,
        model,
        role,
        score,
        max_score,
        pct,
        avg_tps,
        'highest pct among the pick group''s configs with >= {{ var("pick_min_judged") }}'
        || ' judged responses; ties broken by higher avg_tps, then config name' as rule,
        pick_group,
        case
            when has_speed_pick then pick_group_label || ' (Quality)'
            else pick_group_label
        end as pick_label,
        2 * pick_group_order - 1 as pick_order,
        judged,
        has_min_judged

    from group_quality_ranked
    where pick_rank = 1

    union all

    select
        scoring_run,
        category,
        'group_speed' as pick,
        config,
        run_id,
        model,
        role,
        score,
        max_score,
        pct,
        avg_tps,
        'highest avg_tps among the pick group''s configs with pct >= '
        || '{{ var("speed_pick_min_pct") }} and >= {{ var("pick_min_judged") }}'
        || ' judged responses' as rule,
        pick_group,
        pick_group_label || ' (Speed)' as pick_label,
        2 * pick_group_order as pick_order,
        judged,
        has_min_judged

    from group_speed_ranked
    where pick_rank = 1

)

select * from picks
