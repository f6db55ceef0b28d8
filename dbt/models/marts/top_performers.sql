{#-
    Picks, from the decision model (config_assessment): only configs with is_pick_eligible
    (ranked, not to avoid, judged on their speciality suites) are candidates. All pick kinds are
    stacked in one ranked-candidates CTE:
    - `quality` per (scoring_run, category) and `group_quality` per (scoring_run, pick group,
      seed role_pick_groups): highest pct; ties go to the higher weighted_tps, then config name;
    - `speed` per category in var speed_pick_categories and `group_speed` per group in var
      speed_pick_groups: highest weighted_tps among candidates with pct >= speed_pick_min_pct.
    Candidate 2 is the runner-up. is_clear_winner (quality picks): a paired comparison over the
    questions both pick and runner-up answered; the pick is clear when there are at least
    paired_min_questions of them and the 95% interval of the mean per-question score difference
    (normal approximation) lies above 0. With no runner-up it is true. A pick group with judged
    configs but no candidate gets one row with config null and no_pick_reason saying why.
-#}
with

assessment as (

    select * from {{ ref('config_assessment') }}

),

judgments as (

    select * from {{ ref('int_judgments_enriched') }}

),

pick_groups as (

    select * from {{ ref('pick_groups') }}

),

speciality_suites as (

    select * from {{ ref('speciality_suites') }}

),

coverage as (

    select * from {{ ref('coverage') }}

),

candidates as (

    select
        scoring_run,
        'quality' as pick,
        'category' as pick_scope,
        category as scope_key,
        null::varchar as pick_group,
        *
        exclude (scoring_run, pick_group)

    from assessment
    where is_pick_eligible

    union all by name

    select
        scoring_run,
        'speed' as pick,
        'category' as pick_scope,
        category as scope_key,
        null::varchar as pick_group,
        *
        exclude (scoring_run, pick_group)

    from assessment
    where
        is_pick_eligible
        and category in (
            {%- for category in var('speed_pick_categories') %}
                '{{ category }}'{% if not loop.last %},{% endif %}
            {%- endfor %}
        )
        and pct >= {{ var('speed_pick_min_pct') }}
        and weighted_tps is not null

    union all by name

    select
        scoring_run,
        'group_quality' as pick,
        'pick_group' as pick_scope,
        pick_group as scope_key,
        *
        exclude (scoring_run)

    from assessment
    where is_pick_eligible and pick_group is not null

    union all by name

    select
        scoring_run,
        'group_speed' as pick,
        'pick_group' as pick_scope,
        pick_group as scope_key,
        *
        exclude (scoring_run)

    from assessment
    where
        is_pick_eligible
        and pick_group in (
            {%- for pick_group in var('speed_pick_groups') %}
                '{{ pick_group }}'{% if not loop.last %},{% endif %}
            {%- endfor %}
        )
        and pct >= {{ var('speed_pick_min_pct') }}
        and weighted_tps is not null

),

candidates_ranked as (

    select
        *,
        row_number() over (
            partition by scoring_run, pick, scope_key
            order by
                case when pick in ('speed', 'group_speed') then weighted_tps end desc nulls last,
                pct desc,
                weighted_tps desc nulls last,
                config asc,
                run_id asc
        ) as candidate_rank

    from candidates

),

picks_with_runner_up as (

    select
        picked.*,
        runner_up.config as runner_up_config,
        runner_up.pct as runner_up_pct,
        runner_up.run_id as runner_up_run_id

    from candidates_ranked as picked
    left join candidates_ranked as runner_up
        on
            picked.scoring_run = runner_up.scoring_run
            and picked.pick = runner_up.pick
            and picked.scope_key = runner_up.scope_key
            and runner_up.candidate_rank = 2
    where picked.candidate_rank = 1

),

paired_differences as (

    select
        picks.scoring_run,
        picks.pick,
        picks.scope_key,
        count(*) as paired_questions,
        avg(pick_judgments.score - runner_judgments.score) as mean_difference,
        coalesce(stddev_samp(pick_judgments.score - runner_judgments.score), 0)
            as sd_difference

    from picks_with_runner_up as picks
    inner join judgments as pick_judgments
        on
            picks.scoring_run = pick_judgments.scoring_run
            and picks.run_id = pick_judgments.run_id
            and picks.config = pick_judgments.config
    inner join judgments as runner_judgments
        on
            picks.scoring_run = runner_judgments.scoring_run
            and picks.runner_up_run_id = runner_judgments.run_id
            and picks.runner_up_config = runner_judgments.config
            and pick_judgments.suite = runner_judgments.suite
            and pick_judgments.question_id = runner_judgments.question_id
    where picks.pick in ('quality', 'group_quality')
    group by picks.scoring_run, picks.pick, picks.scope_key

),

picks as (

    select
        picks_with_runner_up.*,
        coalesce(paired_differences.paired_questions, 0) as paired_questions,
        100.0 * paired_differences.mean_difference / {{ rubric_max() }} as paired_delta_pct,
        100.0 * (
            paired_differences.mean_difference
            - 1.959964 * paired_differences.sd_difference
            / sqrt(paired_differences.paired_questions)
        ) / {{ rubric_max() }} as paired_delta_ci_low,
        100.0 * (
            paired_differences.mean_difference
            + 1.959964 * paired_differences.sd_difference
            / sqrt(paired_differences.paired_questions)
        ) / {{ rubric_max() }} as paired_delta_ci_high

    from picks_with_runner_up
    left join paired_differences
        on
            picks_with_runner_up.scoring_run = paired_differences.scoring_run
            and picks_with_runner_up.pick = paired_differences.pick
            and picks_with_runner_up.scope_key = paired_differences.scope_key

),

groups_judged as (

    select
        assessment.scoring_run,
        assessment.pick_group,
        min(assessment.category) as category,
        count(distinct assessment.config) as configs,
        count(distinct assessment.config) filter (where assessment.is_ranked) as ranked_configs,
        count(distinct assessment.config) filter (
            where assessment.is_ranked and not assessment.is_avoid
        ) as ranked_not_avoided,
        (list(
            assessment.config
            order by assessment.pct desc, assessment.weighted_tps desc, assessment.config asc
        ) filter (where assessment.is_ranked))[1] as best_ranked_config,
        (list(
            format(
                '{:.1f}%, {}{}',
                assessment.pct,
                assessment.not_pickable_reason,
                case
                    when assessment.avoid_evidence = 'within_noise'
                        then ', within noise of the threshold'
                    else ''
                end
            )
            order by assessment.pct desc, assessment.weighted_tps desc, assessment.config asc
        ) filter (where assessment.is_ranked))[1] as best_ranked_why

    from assessment
    where assessment.pick_group is not null
    group by assessment.scoring_run, assessment.pick_group

),

group_specialities as (

    select distinct
        scoring_run,
        pick_group,
        speciality

    from assessment
    where pick_group is not null

),

group_suites as (

    select
        group_specialities.scoring_run,
        group_specialities.pick_group,
        string_agg(
            distinct speciality_suites.suite, ', ' order by speciality_suites.suite
        ) as speciality_suites

    from group_specialities
    inner join speciality_suites
        on group_specialities.speciality = speciality_suites.speciality
    group by group_specialities.scoring_run, group_specialities.pick_group

),

group_unjudged_suites as (

    -- why a group's speciality suites have no counting judgment (marts.coverage's message)
    select
        group_specialities.scoring_run,
        group_specialities.pick_group,
        string_agg(distinct coverage.message, '; ' order by coverage.message) as coverage_note

    from group_specialities
    inner join speciality_suites
        on group_specialities.speciality = speciality_suites.speciality
    inner join coverage
        on
            group_specialities.scoring_run = coverage.scoring_run
            and speciality_suites.suite = coverage.suite
    where coverage.judged_counting = 0 and coverage.message is not null
    group by group_specialities.scoring_run, group_specialities.pick_group

),

groups_without_pick as (

    select
        groups_judged.scoring_run,
        groups_judged.category,
        'group_quality' as pick,
        groups_judged.pick_group,
        case
            when groups_judged.ranked_configs = 0
                then format(
                    'none named: none of its {} judged configs has enough judged responses',
                    groups_judged.configs
                )
            when groups_judged.ranked_not_avoided = 0
                then format(
                    'none named: every ranked config is to avoid; the best, {} ({})',
                    groups_judged.best_ranked_config,
                    groups_judged.best_ranked_why
                )
            else format(
                'none named: no config has {} judged answers on its speciality suites ({}){}',
                {{ var('pick_min_judged') }},
                group_suites.speciality_suites,
                coalesce(' because ' || group_unjudged_suites.coverage_note, '')
            )
        end as no_pick_reason

    from groups_judged
    left join group_suites
        on
            groups_judged.scoring_run = group_suites.scoring_run
            and groups_judged.pick_group = group_suites.pick_group
    left join group_unjudged_suites
        on
            groups_judged.scoring_run = group_unjudged_suites.scoring_run
            and groups_judged.pick_group = group_unjudged_suites.pick_group
    anti join picks
        on
            groups_judged.scoring_run = picks.scoring_run
            and groups_judged.pick_group = picks.scope_key
            and picks.pick = 'group_quality'

),

picks_labelled as (

    select
        picks.scoring_run,
        picks.category,
        picks.pick,
        picks.config,
        picks.run_id,
        picks.model,
        picks.role,
        picks.score,
        picks.max_score,
        picks.pct,
        picks.avg_tps,
        case picks.pick
            when 'quality'
                then
                    'highest pct among eligible configs; ties broken by higher weighted_tps, '
                    || 'then config name'
            when 'speed'
                then
                    'highest weighted_tps among eligible configs with pct >= '
                    || '{{ var("speed_pick_min_pct") }}'
            when 'group_quality'
                then
                    'highest pct among the pick group''s eligible configs (ranked, not to '
                    || 'avoid, >= {{ var("pick_min_judged") }} judged answers on the speciality '
                    || 'suites); ties broken by higher weighted_tps, then config name'
            else
                'highest weighted_tps among the pick group''s eligible configs with pct >= '
                || '{{ var("speed_pick_min_pct") }}'
        end as rule,
        picks.pick_group,
        case
            when picks.pick_group is null then null
            when picks.pick = 'group_speed' then pick_groups.label || ' (Speed)'
            when
                picks.pick_group in (
                    {%- for pick_group in var('speed_pick_groups') %}
                        '{{ pick_group }}'{% if not loop.last %},{% endif %}
                    {%- endfor %}
                )
                then pick_groups.label || ' (Quality)'
            else pick_groups.label
        end as pick_label,
        case
            when picks.pick = 'group_speed' then 2 * pick_groups.sort_order
            when picks.pick = 'group_quality' then 2 * pick_groups.sort_order - 1
        end as pick_order,
        picks.judged,
        picks.judged >= {{ var('pick_min_judged') }} as has_min_judged,
        picks.pct_ci_low,
        picks.pct_ci_high,
        picks.weighted_tps,
        picks.relevant_judged,
        picks.caveats,
        picks.runner_up_config,
        picks.runner_up_pct,
        picks.paired_questions,
        picks.paired_delta_pct,
        picks.paired_delta_ci_low,
        picks.paired_delta_ci_high,
        case
            when picks.pick not in ('quality', 'group_quality') then null
            when picks.runner_up_config is null then true
            else coalesce(
                picks.paired_questions >= {{ var('paired_min_questions') }}
                and round(picks.paired_delta_ci_low, 9) > 0,
                false
            )
        end as is_clear_winner,
        null::varchar as no_pick_reason

    from picks
    left join pick_groups
        on picks.pick_group = pick_groups.pick_group

),

no_picks_labelled as (

    select
        groups_without_pick.scoring_run,
        groups_without_pick.category,
        groups_without_pick.pick,
        groups_without_pick.pick_group,
        pick_groups.label as pick_label,
        2 * pick_groups.sort_order - 1 as pick_order,
        false as has_min_judged,
        groups_without_pick.no_pick_reason

    from groups_without_pick
    left join pick_groups
        on groups_without_pick.pick_group = pick_groups.pick_group

),

final as (

    select * from picks_labelled
    union all by name
    select * from no_picks_labelled

)

select * from final
