{#-
    The report's prose findings as rows, each computed from the other marts with its
    threshold in a var (one kind per CTE below; the YAML says when each fires):
      totals               per scoring run: configs, models and judged responses;
      category_truncation  a category where at least finding_truncation_config_share of the
                           configs hit the token cap in note_truncation_rate of their responses;
      suite_all_low        a suite where every config scores below suite_low_pct;
      group_suite_failure  a pick group (seed role_pick_groups) scoring below
                           finding_group_suite_below_pct on a suite, at least
                           finding_group_gap_points under the other configs, with its most
                           frequent detector flag;
      critical_config      a config with at least finding_critical_min_issues critical issues;
      category_drift       a category whose configs lost finding_drift_drop_points or more on
                           average against a baseline.
-#}
with

leaderboard as (

    select * from {{ ref('leaderboard') }}

),

suite_observations as (

    select * from {{ ref('suite_observations') }}

),

critical_issues as (

    select * from {{ ref('critical_issues') }}

),

drift as (

    select * from {{ ref('drift') }}

),

judgments as (

    select * from {{ ref('int_judgments_enriched') }}

),

responses as (

    select * from {{ ref('int_responses_joined') }}

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

-- totals ------------------------------------------------------------------------------------

totals as (

    select
        scoring_run,
        'totals:' || scoring_run as finding_id,
        'totals' as kind,
        'scoring_run' as scope,
        scoring_run as subject,
        'info' as severity,
        format(
            '{} configs ({} models) scored on {} judged responses',
            count(*),
            count(distinct model),
            sum(judged)::bigint
        ) as headline,
        format(
            'score {}/{} ({:.1f}%) over {} categories',
            sum(score)::bigint,
            sum(max_score)::bigint,
            100.0 * sum(score) / sum(max_score),
            count(distinct category)
        ) as evidence,
        sum(judged)::double as metric,
        'judged_responses' as metric_name,
        null::double as threshold,
        null::double as metric_low,
        null::double as metric_high,
        count(*) as configs,
        null::bigint as configs_affected,
        count(distinct model) as models,
        sum(judged)::bigint as judged,
        null::integer as token_cap,
        null::varchar as dominant_flag,
        null::varchar as baseline

    from leaderboard
    group by scoring_run

),

-- category_truncation -----------------------------------------------------------------------

truncated_lengths as (

    select
        leaderboard.scoring_run,
        leaderboard.category,
        mode(responses.completion_tokens) as token_cap

    from leaderboard
    inner join responses
        on
            leaderboard.run_id = responses.run_id
            and leaderboard.config = responses.config
    where responses.is_truncated and responses.completion_tokens is not null
    group by leaderboard.scoring_run, leaderboard.category

),

category_truncation_aggregated as (

    select
        scoring_run,
        category,
        count(*) as configs,
        count(*) filter (
            where truncated_rate >= {{ var('note_truncation_rate') }}
        ) as configs_affected,
        count(distinct model) as models,
        sum(judged)::bigint as judged,
        sum(responses)::bigint as responses,
        sum(truncated)::bigint as truncated,
        min(truncated_rate) as min_rate,
        max(truncated_rate) as max_rate

    from leaderboard
    group by scoring_run, category

),

category_truncation as (

    select
        aggregated.scoring_run,
        'category_truncation:' || aggregated.category as finding_id,
        'category_truncation' as kind,
        'category' as scope,
        aggregated.category as subject,
        'moderate' as severity,
        format(
            '{} of {} {} configs hit the {}-token limit in at least {:.0f}% of their responses',
            aggregated.configs_affected,
            aggregated.configs,
            aggregated.category,
            truncated_lengths.token_cap,
            100 * {{ var('note_truncation_rate') }}
        ) as headline,
        format(
            '{} of {} responses truncated; per config {:.0f}-{:.0f}%; a truncated response '
            || 'is most often {} tokens long',
            aggregated.truncated,
            aggregated.responses,
            100 * aggregated.min_rate,
            100 * aggregated.max_rate,
            truncated_lengths.token_cap
        ) as evidence,
        aggregated.configs_affected / aggregated.configs as metric,
        'share_of_configs_truncating' as metric_name,
        {{ var('finding_truncation_config_share') }}::double as threshold,
        aggregated.min_rate as metric_low,
        aggregated.max_rate as metric_high,
        aggregated.configs,
        aggregated.configs_affected,
        aggregated.models,
        aggregated.judged,
        truncated_lengths.token_cap::integer as token_cap,
        null::varchar as dominant_flag,
        null::varchar as baseline

    from category_truncation_aggregated as aggregated
    left join truncated_lengths
        on
            aggregated.scoring_run = truncated_lengths.scoring_run
            and aggregated.category = truncated_lengths.category
    where
        aggregated.configs >= {{ var('finding_min_configs') }}
        and aggregated.configs_affected / aggregated.configs
        >= {{ var('finding_truncation_config_share') }}

),

-- suite_all_low -----------------------------------------------------------------------------

suite_all_low as (

    select
        scoring_run,
        'suite_all_low:' || suite as finding_id,
        'suite_all_low' as kind,
        'suite' as scope,
        suite as subject,
        'moderate' as severity,
        format(
            'all {} configs score {} on {}', configs, pct_range, suite
        ) as headline,
        format(
            'mean {:.1f}%; hardest question {} at {:.1f}%; {} of {} questions never scored 3',
            avg_pct,
            hardest_question,
            hardest_question_pct,
            questions_never_full_marks,
            questions
        ) as evidence,
        max_pct as metric,
        'max_config_pct' as metric_name,
        {{ var('suite_low_pct') }}::double as threshold,
        min_pct as metric_low,
        max_pct as metric_high,
        configs,
        configs as configs_affected,
        null::bigint as models,
        judged,
        null::integer as token_cap,
        null::varchar as dominant_flag,
        null::varchar as baseline

    from suite_observations
    where is_all_low and configs >= {{ var('finding_min_configs') }}

),

-- group_suite_failure -----------------------------------------------------------------------

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
        null::integer as token_cap,
        dominant.flag as dominant_flag,
        null::varchar as baseline

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

-- critical_config ---------------------------------------------------------------------------

critical_aggregated as (

    select
        critical_issues.scoring_run,
        critical_issues.run_id,
        critical_issues.config,
        any_value(critical_issues.model) as model,
        count(*) as issues,
        string_agg(critical_issues.issue, ' + ' order by critical_issues.issue) as issue_list,
        string_agg(critical_issues.evidence, '; ' order by critical_issues.issue)
            as evidence

    from critical_issues
    where critical_issues.severity = 'critical'
    group by critical_issues.scoring_run, critical_issues.run_id, critical_issues.config

),

critical_config as (

    select
        critical_aggregated.scoring_run,
        'critical_config:' || critical_aggregated.run_id || '/' || critical_aggregated.config
            as finding_id,
        'critical_config' as kind,
        'config' as scope,
        critical_aggregated.config as subject,
        'critical' as severity,
        format(
            '{}: {}, {:.0f}%',
            critical_aggregated.model,
            critical_aggregated.issue_list,
            leaderboard.pct
        ) as headline,
        critical_aggregated.evidence::varchar as evidence,
        leaderboard.pct as metric,
        'pct' as metric_name,
        {{ var('finding_critical_min_issues') }}::double as threshold,
        null::double as metric_low,
        null::double as metric_high,
        1::bigint as configs,
        1::bigint as configs_affected,
        1::bigint as models,
        leaderboard.judged::bigint as judged,
        null::integer as token_cap,
        null::varchar as dominant_flag,
        null::varchar as baseline

    from critical_aggregated
    inner join leaderboard
        on
            critical_aggregated.scoring_run = leaderboard.scoring_run
            and critical_aggregated.run_id = leaderboard.run_id
            and critical_aggregated.config = leaderboard.config
    where critical_aggregated.issues >= {{ var('finding_critical_min_issues') }}

),

-- category_drift ----------------------------------------------------------------------------

drift_aggregated as (

    select
        scoring_run,
        baseline,
        category,
        count(*) as configs,
        count(*) filter (where delta_pct < 0) as configs_lower,
        count(*) filter (where likely_cause like 'truncation%') as configs_truncating,
        count(distinct model) as models,
        sum(judged) as judged,
        avg(delta_pct) as mean_delta,
        min(delta_pct) as min_delta,
        max(delta_pct) as max_delta

    from drift
    group by scoring_run, baseline, category

),

category_drift as (

    select
        scoring_run,
        'category_drift:' || category || '/' || baseline as finding_id,
        'category_drift' as kind,
        'category_baseline' as scope,
        category::varchar as subject,
        'info' as severity,
        format(
            '{} configs scored lower than in {}: {} of {}, {:.1f} points on average',
            category,
            baseline,
            configs_lower,
            configs,
            mean_delta
        ) as headline,
        format(
            'changes {:.1f} to {:.1f} points; truncation named as a likely cause for {} of them',
            min_delta,
            max_delta,
            configs_truncating
        ) as evidence,
        mean_delta as metric,
        'mean_delta_points' as metric_name,
        -{{ var('finding_drift_drop_points') }}::double as threshold,
        min_delta as metric_low,
        max_delta as metric_high,
        configs::bigint as configs,
        configs_lower as configs_affected,
        models::bigint as models,
        judged::bigint as judged,
        null::integer as token_cap,
        null::varchar as dominant_flag,
        baseline::varchar as baseline

    from drift_aggregated
    where
        configs >= {{ var('finding_min_configs') }}
        and mean_delta <= -{{ var('finding_drift_drop_points') }}

),

final as (

    select * from totals
    union all
    select * from category_truncation
    union all
    select * from suite_all_low
    union all
    select * from group_suite_failure
    union all
    select * from critical_config
    union all
    select * from category_drift

)

select * from final
