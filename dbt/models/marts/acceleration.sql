{#-
    One row per (scoring_run, run_id, role, config) for every role whose baseline was judged in
    the scoring run: speed against the role's baseline, quality (measured from the config's own
    judged answers, or inherited from its base config for speculative and lookup configs), and
    the one recommended config per role: the fastest (token-weighted tps: completion tokens /
    generation time, the leaderboard's weighted_tps rule) whose quality is at most
    `acceleration_quality_tolerance` points (default 2) below the baseline's.
-#}
{%- set tolerance = var('acceleration_quality_tolerance', 2) -%}

with

configs as (

    select * from {{ ref('int_configs_linked') }}

),

responses as (

    select * from {{ ref('int_responses_joined') }}

),

judgments as (

    select * from {{ ref('int_judgments_enriched') }}

),

speeds_per_config as (

    {#- token-weighted: sum of completion tokens / sum of generation time, so 1-token records
        cannot dominate (a plain mean of per-record rates can call a faster config slower).
        Records that carry a rate but no token count (the speed-test records of speculative and
        lookup configs) fall back to the mean of their rates: one record, its own rate. -#}
    select
        run_id,
        config,
        coalesce(
            sum(completion_tokens) filter (where is_speed_test and generation_seconds > 0)
            / nullif(sum(generation_seconds) filter (where is_speed_test), 0),
            avg(tokens_per_second) filter (where is_speed_test and tokens_per_second > 0)
        ) as speed_test_tps,
        count(*) filter (
            where is_speed_test and tokens_per_second > 0
        ) as speed_test_records,
        coalesce(
            sum(completion_tokens) filter (where not is_speed_test and generation_seconds > 0)
            / nullif(sum(generation_seconds) filter (where not is_speed_test), 0),
            avg(tokens_per_second) filter (where not is_speed_test and tokens_per_second > 0)
        ) as answer_tps,
        count(*) filter (
            where not is_speed_test and tokens_per_second > 0
        ) as answer_records

    from responses
    group by run_id, config

),

quality_per_config as (

    select
        scoring_run,
        run_id,
        config,
        count(*) as judged,
        100.0 * sum(score) / {{ rubric_max("count(*)") }} as quality_pct

    from judgments
    group by scoring_run, run_id, config

),

configs_with_speed as (

    select
        configs.*,
        speeds_per_config.speed_test_tps,
        speeds_per_config.speed_test_records,
        speeds_per_config.answer_tps,
        speeds_per_config.answer_records,
        case
            when configs.is_accelerated and speeds_per_config.speed_test_records > 0
                then 'speed_test'
            when speeds_per_config.answer_records > 0 then 'responses'
            when speeds_per_config.speed_test_records > 0 then 'speed_test'
        end as tps_source,
        case
            when configs.link_status = 'not_parsed' then configs.config
            else configs.base_config
        end as quality_config

    from configs
    left join speeds_per_config
        on
            configs.run_id = speeds_per_config.run_id
            and configs.config = speeds_per_config.config

),

configs_with_tps as (

    select
        *,
        case tps_source
            when 'speed_test' then speed_test_tps
            when 'responses' then answer_tps
        end as tps,
        case tps_source
            when 'speed_test' then speed_test_records
            when 'responses' then answer_records
            else 0
        end as tps_records

    from configs_with_speed

),

judged_baselines as (

    select
        quality_per_config.scoring_run,
        configs.run_id,
        configs.role,
        configs.config as baseline_config,
        quality_per_config.quality_pct as baseline_quality_pct

    from quality_per_config
    inner join configs
        on
            quality_per_config.run_id = configs.run_id
            and quality_per_config.config = configs.config
    where configs.config = configs.baseline_config

),

configs_per_judged_baseline as (

    select
        judged_baselines.scoring_run,
        configs_with_tps.run_id,
        configs_with_tps.role,
        configs_with_tps.model,
        configs_with_tps.config,
        configs_with_tps.config_name,
        configs_with_tps.acceleration,
        configs_with_tps.base_config,
        configs_with_tps.experts,
        configs_with_tps.draft_model,
        configs_with_tps.draft_k,
        configs_with_tps.lookup_n,
        configs_with_tps.parse_status,
        configs_with_tps.link_status,
        configs_with_tps.tps,
        configs_with_tps.tps_source,
        configs_with_tps.tps_records,
        judged_baselines.baseline_config,
        judged_baselines.baseline_quality_pct,
        quality_per_config.quality_pct,
        quality_per_config.judged as quality_judged,
        case
            when quality_per_config.quality_pct is not null
                then configs_with_tps.quality_source
        end as quality_source

    from judged_baselines
    inner join configs_with_tps
        on
            judged_baselines.run_id = configs_with_tps.run_id
            and judged_baselines.role = configs_with_tps.role
            and judged_baselines.baseline_config = configs_with_tps.baseline_config
    left join quality_per_config
        on
            judged_baselines.scoring_run = quality_per_config.scoring_run
            and configs_with_tps.run_id = quality_per_config.run_id
            and configs_with_tps.quality_config = quality_per_config.config

),

compared_to_baseline as (

    select
        *,
        max(case when config = baseline_config then tps end) over (
            partition by scoring_run, run_id, role
        ) as baseline_tps,
        quality_pct - baseline_quality_pct as quality_delta

    from configs_per_judged_baseline

),

eligibility as (

    select
        *,
        tps / nullif(baseline_tps, 0) as speedup,
        coalesce(
            round(quality_delta, 9) >= -{{ tolerance }},
            false
        ) as is_quality_held,
        (
            parse_status = 'parsed'
            and tps is not null
            and quality_pct is not null
            and coalesce(round(quality_delta, 9) >= -{{ tolerance }}, false)
        ) as is_eligible

    from compared_to_baseline

),

final as (

    select
        scoring_run,
        run_id,
        role,
        model,
        config,
        config_name,
        acceleration,
        base_config,
        experts,
        draft_model,
        draft_k,
        lookup_n,
        parse_status,
        link_status,
        tps,
        tps_source,
        tps_records,
        baseline_config,
        baseline_tps,
        speedup,
        quality_pct,
        quality_source,
        quality_judged,
        baseline_quality_pct,
        quality_delta,
        ({{ tolerance }})::double as quality_tolerance,
        is_quality_held,
        coalesce(
            is_eligible
            and row_number() over (
                partition by scoring_run, run_id, role, is_eligible
                order by tps desc, quality_pct desc, config asc
            ) = 1,
            false
        ) as is_recommended,
        rank() over (
            partition by scoring_run, run_id, role
            order by tps desc nulls last
        ) as speed_rank

    from eligibility

)

select * from final
