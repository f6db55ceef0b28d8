{#-
    One row per (scoring_run, category, config) for every config judged in the scoring run.
    score/max_score/pct come from the judgments that count for quality; avg_tps, weighted_tps,
    median_tps, responses, truncated and the detector rates from all the config's responses in
    its run. Coverage rule: a config is ranked (is_ranked) only when at least rank_min_judged of
    its suite responses were judged and they are at least rank_min_judged_share of its coverage
    questions (its suite responses, or fewer when no config of its category got more judgments
    in the scoring run: int_judgments_aggregated_to_configs.category_max_judged); unranked
    rows rank after every ranked row of their category. pct_ci_low/high: 95% Wilson interval
    (macro wilson_low/high) on the config's judged responses. rank_low/rank_high: the best and
    worst rank the intervals allow among the ranked rows of the category. is_pareto: a ranked row
    no other ranked row of the category beats on both pct and weighted_tps (at least as good on
    both, better on one); unranked rows are never on the front. rank: ranked first,
    then pct, then avg_tps (the report's order), then config name, then run_id.
-#}
with

judged_configs as (

    select * from {{ ref('int_judgments_aggregated_to_configs') }}

),

response_facts as (

    select * from {{ ref('int_responses_aggregated_to_configs') }}

),

detector_rates as (

    select * from {{ ref('int_detector_rates') }}

),

configs as (

    select * from {{ ref('int_configs_categorised') }}

),

configs_linked as (

    select * from {{ ref('int_configs_linked') }}

),

notes_per_config as (

    select
        run_id,
        config,
        string_agg(note_label, ', ' order by detector_order) filter (where is_noted) as notes

    from detector_rates
    group by run_id, config

),

configs_joined as (

    select
        judged_configs.scoring_run,
        configs.category,
        judged_configs.config,
        judged_configs.run_id,
        configs.model,
        configs.role,
        configs.speciality,
        configs.is_role_categorised,
        judged_configs.score,
        judged_configs.max_score,
        judged_configs.pct,
        response_facts.avg_tps,
        response_facts.weighted_tps,
        response_facts.median_tps,
        response_facts.responses,
        response_facts.suite_responses,
        judged_configs.judged,
        response_facts.truncated,
        judged_configs.judged_truncated,
        judged_configs.relevant_judged,
        judged_configs.relevant_score,
        judged_configs.relevant_max_score,
        judged_configs.relevant_pct,
        judged_configs.judged_degenerate,
        judged_configs.judged_degenerate_answered,
        response_facts.avg_completion_tokens,
        response_facts.truncated_rate,
        response_facts.verbose_rate,
        response_facts.echo_rate,
        response_facts.degenerate_rate,
        response_facts.empty_rate,
        notes_per_config.notes,
        judged_configs.category_max_judged,
        coalesce(
            configs_linked.baseline_config, configs_linked.base_config, judged_configs.config
        ) as base_config,
        coalesce(configs_linked.config_name, 'baseline') != 'baseline' as is_experiment,
        least(response_facts.suite_responses, judged_configs.category_max_judged)
            as coverage_questions,
        judged_configs.judged / nullif(
            least(response_facts.suite_responses, judged_configs.category_max_judged), 0
        ) as judged_share

    from judged_configs
    inner join configs
        on
            judged_configs.run_id = configs.run_id
            and judged_configs.config = configs.config
    inner join response_facts
        on
            judged_configs.run_id = response_facts.run_id
            and judged_configs.config = response_facts.config
    left join configs_linked
        on
            judged_configs.run_id = configs_linked.run_id
            and judged_configs.config = configs_linked.config
    left join notes_per_config
        on
            judged_configs.run_id = notes_per_config.run_id
            and judged_configs.config = notes_per_config.config

),

coverage as (

    select
        *,
        (
            judged >= {{ var('rank_min_judged') }}
            and coalesce(judged_share >= {{ var('rank_min_judged_share') }}, false)
        ) as is_ranked,
        case
            when judged < {{ var('rank_min_judged') }}
                then format(
                    'not enough judged responses: {} judged, {} needed',
                    judged,
                    {{ var('rank_min_judged') }}
                )
            when not coalesce(judged_share >= {{ var('rank_min_judged_share') }}, false)
                then format(
                    'not enough judged responses: {} of {} questions judged ({:.0f}%), '
                    || '{:.0f}% needed',
                    judged,
                    coverage_questions,
                    100 * coalesce(judged_share, 0),
                    100 * {{ var('rank_min_judged_share') }}
                )
        end as unranked_reason,
        {{ wilson_low('pct / 100.0', 'judged') }} as pct_ci_low,
        {{ wilson_high('pct / 100.0', 'judged') }} as pct_ci_high

    from configs_joined

),

{# rank_low, rank_high and is_pareto compare each ranked row with every other ranked row of its
    category; they are counted with sorted windows instead of a self-join, whose pairs grow
    with the square of the configs (100x: 29 million pairs, 2.5 s of the model's 5.5). #}
ranked as (

    select
        scoring_run,
        category,
        run_id,
        config,
        pct,
        weighted_tps,
        pct_ci_low,
        pct_ci_high

    from coverage
    where is_ranked

),

{# One row per ranked row's bound: a `point` other rows are counted against, and a query row
    for the bound they are compared with (rank_low: lows above this high; rank_high: highs
    reaching this low). At equal values the query sorts before the points for a strict >, after
    them for >=. #}
interval_events as (

    select
        scoring_run,
        category,
        run_id,
        config,
        'low' as bound,
        pct_ci_low as point_value,
        pct_ci_high as query_value

    from ranked

    union all

    select
        scoring_run,
        category,
        run_id,
        config,
        'high' as bound,
        pct_ci_high as point_value,
        pct_ci_low as query_value

    from ranked

),

interval_sorted as (

    select
        scoring_run,
        category,
        run_id,
        config,
        bound,
        0 as is_query,
        point_value as sort_value

    from interval_events
    where point_value is not null

    union all

    select
        scoring_run,
        category,
        run_id,
        config,
        bound,
        1 as is_query,
        query_value as sort_value

    from interval_events

),

interval_running as (

    select
        scoring_run,
        category,
        run_id,
        config,
        bound,
        is_query,
        sort_value,
        sum(1 - is_query) over (
            partition by scoring_run, category, bound
            order by
                sort_value desc nulls last,
                case when bound = 'low' then is_query else 1 - is_query end desc
            rows between unbounded preceding and current row
        ) as points_before

    from interval_sorted

),

interval_counts as (

    select
        scoring_run,
        category,
        run_id,
        config,
        bound,
        case when sort_value is not null then points_before else 0 end as points_above

    from interval_running
    where is_query = 1

),

pct_levels as (

    select
        scoring_run,
        category,
        pct,
        max(weighted_tps) as level_max_tps,
        max(max(weighted_tps)) over (
            partition by scoring_run, category
            order by pct desc
            rows between unbounded preceding and 1 preceding
        ) as above_max_tps

    from ranked
    where pct is not null
    group by scoring_run, category, pct

),

rank_ranges as (

    select
        ranked.scoring_run,
        ranked.category,
        ranked.run_id,
        ranked.config,
        1 + lows.points_above
        - case when ranked.pct_ci_low > ranked.pct_ci_high then 1 else 0 end
            as rank_low,
        1 + highs.points_above
        - case when ranked.pct_ci_high >= ranked.pct_ci_low then 1 else 0 end
            as rank_high,
        ranked.weighted_tps is not null
        and not coalesce(pct_levels.above_max_tps >= ranked.weighted_tps, false)
        and not coalesce(pct_levels.level_max_tps > ranked.weighted_tps, false) as is_pareto

    from ranked
    inner join interval_counts as lows
        on
            ranked.scoring_run = lows.scoring_run
            and ranked.category = lows.category
            and ranked.run_id = lows.run_id
            and ranked.config = lows.config
            and lows.bound = 'low'
    inner join interval_counts as highs
        on
            ranked.scoring_run = highs.scoring_run
            and ranked.category = highs.category
            and ranked.run_id = highs.run_id
            and ranked.config = highs.config
            and highs.bound = 'high'
    left join pct_levels
        on
            ranked.scoring_run = pct_levels.scoring_run
            and ranked.category = pct_levels.category
            and ranked.pct = pct_levels.pct

),

final as (

    select
        coverage.*,
        rank_ranges.rank_low,
        rank_ranges.rank_high,
        coalesce(rank_ranges.is_pareto, false) as is_pareto,
        row_number() over (
            partition by coverage.scoring_run, coverage.category
            order by
                coverage.is_ranked desc,
                coverage.pct desc,
                coverage.avg_tps desc nulls last,
                coverage.config asc,
                coverage.run_id asc
        ) as rank

    from coverage
    left join rank_ranges
        on
            coverage.scoring_run = rank_ranges.scoring_run
            and coverage.category = rank_ranges.category
            and coverage.run_id = rank_ranges.run_id
            and coverage.config = rank_ranges.config

)

select * from final
