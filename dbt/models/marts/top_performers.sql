{#-
    Per (scoring_run, category): the quality pick is the highest pct; ties go to the faster
    config (higher avg_tps), then to the config name. Categories in var speed_pick_categories
    (drafts) also get a speed pick: the fastest config whose pct reaches speed_pick_min_pct.
-#}
with

leaderboard as (

    select * from {{ ref('leaderboard') }}

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
        'highest pct; ties broken by higher avg_tps, then config name' as rule

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
        'highest avg_tps among configs with pct >= {{ var("speed_pick_min_pct") }}' as rule

    from speed_ranked
    where pick_rank = 1

)

select * from picks
