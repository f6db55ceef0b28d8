{#-
    Findings of kind `group_suite_failure`: a pick group (seed role_pick_groups) scoring below finding_group_suite_below_pct
    on a suite, at least finding_group_gap_points under the other configs, with its most
    frequent detector flag.
    One row per finding with the columns of marts.findings it fills; the mart combines the
    kinds with `union all by name` (a column a kind does not fill is null there).
    A table, not a view like the other intermediate models: its two data tests and
    marts.findings would each recompute it over every judgment (100x: ~1 CPU s each).
-#}
{{ config(materialized='table') }}

with

judgments as (

    select * from {{ ref('int_judgments_enriched') }}

),

response_flags as (

    select * from {{ ref('stg_rescore__response_flags') }}

),

role_pick_groups as (

    select * from {{ ref('role_pick_groups') }}

),

pick_groups as (

    select * from {{ ref('pick_groups') }}

),

judgments_grouped as (

    select
        judgments.*,
        role_pick_groups.pick_group,
        pick_groups.label as pick_group_label

    from judgments
    inner join role_pick_groups
        on judgments.role = role_pick_groups.role
    inner join pick_groups
        on role_pick_groups.pick_group = pick_groups.pick_group

),

group_config_suite as (

    select
        scoring_run,
        pick_group,
        suite,
        run_id,
        config,
        100.0 * sum(score) / {{ rubric_max("count(*)") }} as pct

    from judgments_grouped
    group by scoring_run, pick_group, suite, run_id, config

),

group_suite_aggregated as (

    select
        judgments_grouped.scoring_run,
        judgments_grouped.pick_group,
        judgments_grouped.suite,
        any_value(judgments_grouped.pick_group_label) as pick_group_label,
        count(distinct judgments_grouped.run_id || '/' || judgments_grouped.config) as configs,
        count(distinct judgments_grouped.model) as models,
        count(*) as judged,
        sum(judgments_grouped.score) as score,
        100.0 * sum(judgments_grouped.score) / {{ rubric_max("count(*)") }} as pct,
        bool_or(judgments_grouped.is_relevant_suite) as is_relevant_suite

    from judgments_grouped
    group by
        judgments_grouped.scoring_run,
        judgments_grouped.pick_group,
        judgments_grouped.suite

),

group_suite_ranges as (

    select
        scoring_run,
        pick_group,
        suite,
        min(pct) as min_pct,
        max(pct) as max_pct,
        count(*) filter (
            where pct < {{ var('finding_group_suite_below_pct') }}
        ) as configs_affected

    from group_config_suite
    group by scoring_run, pick_group, suite

),

suite_totals as (

    select
        scoring_run,
        suite,
        count(*) as judged,
        sum(score) as score

    from judgments
    group by scoring_run, suite

),

others_on_suite as (

    select
        aggregated.scoring_run,
        aggregated.pick_group,
        aggregated.suite,
        100.0 * (suite_totals.score - aggregated.score)
        / {{ rubric_max("(suite_totals.judged - aggregated.judged)") }} as pct

    from group_suite_aggregated as aggregated
    inner join suite_totals
        on
            aggregated.scoring_run = suite_totals.scoring_run
            and aggregated.suite = suite_totals.suite
    where suite_totals.judged > aggregated.judged

),

group_suite_flags as (

    select
        judgments_grouped.scoring_run,
        judgments_grouped.pick_group,
        judgments_grouped.suite,
        response_flags.flag,
        count(distinct judgments_grouped.response_id) as flagged

    from judgments_grouped
    inner join response_flags
        on judgments_grouped.response_id = response_flags.response_id
    group by
        judgments_grouped.scoring_run,
        judgments_grouped.pick_group,
        judgments_grouped.suite,
        response_flags.flag

),

group_suite_dominant_flag as (

    select
        scoring_run,
        pick_group,
        suite,
        flag,
        flagged

    from group_suite_flags
    qualify row_number() over (
        partition by scoring_run, pick_group, suite
        order by flagged desc, flag asc
    ) = 1

),

group_suite_failure as (

    select
        aggregated.scoring_run,
        'group_suite_failure:' || aggregated.pick_group || '/' || aggregated.suite
            as finding_id,
        'group_suite_failure' as kind,
        'pick_group_suite' as scope,
        aggregated.pick_group || '/' || aggregated.suite as subject,
        case when aggregated.is_relevant_suite then 'moderate' else 'expected' end
            as severity,
        format(
            '{} models score {:.0f}% on {} ({} of {} configs below {}%){}',
            aggregated.pick_group_label,
            aggregated.pct,
            aggregated.suite,
            ranges.configs_affected,
            aggregated.configs,
            {{ var('finding_group_suite_below_pct') }},
            case
                when dominant.flag is not null
                    then format(
                        ', most often flagged {} ({} of {})',
                        dominant.flag,
                        dominant.flagged,
                        aggregated.judged
                    )
                else ''
            end
        ) as headline,
        format(
            'configs {:.0f}-{:.0f}%; the other configs score {:.0f}% on {}; {}',
            ranges.min_pct,
            ranges.max_pct,
            other_configs.pct,
            aggregated.suite,
            case
                when aggregated.is_relevant_suite
                    then 'a suite relevant to these roles'
                else 'outside these roles'' speciality (seed speciality_suites)'
            end
        ) as evidence,
        aggregated.pct as metric,
        'group_suite_pct' as metric_name,
        {{ var('finding_group_suite_below_pct') }}::double as threshold,
        ranges.min_pct as metric_low,
        ranges.max_pct as metric_high,
        aggregated.configs,
        ranges.configs_affected,
        aggregated.models,
        aggregated.judged,
        dominant.flag as dominant_flag

    from group_suite_aggregated as aggregated
    inner join group_suite_ranges as ranges
        on
            aggregated.scoring_run = ranges.scoring_run
            and aggregated.pick_group = ranges.pick_group
            and aggregated.suite = ranges.suite
    inner join others_on_suite as other_configs
        on
            aggregated.scoring_run = other_configs.scoring_run
            and aggregated.pick_group = other_configs.pick_group
            and aggregated.suite = other_configs.suite
    left join group_suite_dominant_flag as dominant
        on
            aggregated.scoring_run = dominant.scoring_run
            and aggregated.pick_group = dominant.pick_group
            and aggregated.suite = dominant.suite
    where
        aggregated.configs >= {{ var('finding_min_configs') }}
        and aggregated.pct < {{ var('finding_group_suite_below_pct') }}
        and other_configs.pct - aggregated.pct >= {{ var('finding_group_gap_points') }}

),

final as (

    select * from group_suite_failure

)

select * from final
