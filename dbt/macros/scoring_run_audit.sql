{#-
    The scoring-run audit's figures and rules, shared by marts.scoring_run_audit (grain:
    scoring_run) and marts.scoring_run_source_audit (grain: scoring_run, source_file), so both
    grains compute the same figures the same way. The rules are stated in the marts' YAML.
-#}

{#- Per group: counts, distinct reasons, variance shares, scores on broken responses, checks. -#}
{% macro audit_figures(grain) -%}
    {%- set partition = grain | join(', ') -%}
    with

    judgments as (

        select * from {{ ref('int_judgments_audited') }}

    ),

    judgments_with_means as (

        select
            *,
            avg(score) over (partition by {{ partition }}) as mean_all,
            avg(score) over (partition by {{ partition }}, suite) as mean_suite,
            avg(score) over (partition by {{ partition }}, config_key) as mean_config

        from judgments

    ),

    aggregated as (

        select
            {{ partition }},
            count(*) as judgments,
            count(distinct config_key) as configs,
            count(distinct suite) as suites,
            count(distinct reason) as distinct_reasons,
            sum((score - mean_all) ^ 2) as ss_total,
            sum((score - mean_suite) ^ 2) as ss_within_suite,
            sum((score - mean_config) ^ 2) as ss_within_config,
            count(*) filter (where is_empty) as judged_empty,
            count(*) filter (where is_empty and score > 0) as judged_empty_scored,
            count(*) filter (where is_echo) as judged_echo,
            count(*) filter (where is_echo and score > 0) as judged_echo_scored,
            count(*) filter (where is_degenerate) as judged_degenerate,
            count(*) filter (where is_degenerate and score > 0) as judged_degenerate_scored,
            count(*) filter (where is_broken) as broken_judged,
            count(*) filter (where is_broken and score >= 2) as broken_scored_high,
            avg(score) filter (where is_broken) as broken_mean_score,
            count(other_check_score) as checks_compared,
            count(*) filter (
                where abs(score - other_check_score) >= 2
            ) as check_contradictions

        from judgments_with_means
        group by {{ partition }}

    )

    select
        {{ partition }},
        judgments,
        configs,
        suites,
        distinct_reasons,
        judged_empty,
        judged_empty_scored,
        judged_echo,
        judged_echo_scored,
        judged_degenerate,
        judged_degenerate_scored,
        broken_judged,
        broken_scored_high,
        broken_mean_score,
        checks_compared,
        check_contradictions,
        distinct_reasons / judgments as distinct_reason_ratio,
        case when ss_total > 0 then 1 - ss_within_suite / ss_total end
            as variance_explained_by_suite,
        case when ss_total > 0 then 1 - ss_within_config / ss_total end
            as variance_explained_by_config,
        case when broken_judged > 0 then broken_scored_high / broken_judged end
            as broken_scored_high_share,
        case when checks_compared > 0 then check_contradictions / checks_compared end
            as check_contradiction_share

    from aggregated
{%- endmacro %}

{#- Few distinct reasons for many judgments: reasons written once and pasted. -#}
{% macro audit_is_templated() -%}
    (
        judgments >= {{ var('audit_min_judgments') }}
        and distinct_reason_ratio < {{ var('audit_templated_reason_ratio') }}
    )
{%- endmacro %}

{#- Empty or echo-only responses (no answer at all) mostly given 2 or 3. -#}
{% macro audit_is_lenient_on_broken() -%}
    (
        broken_judged >= {{ var('audit_lenient_min_broken') }}
        and broken_scored_high_share >= {{ var('audit_lenient_share') }}
    )
{%- endmacro %}

{#- Scores 2+ points away from what a deterministic rule settled. -#}
{% macro audit_contradicts_checks() -%}
    (
        checks_compared >= {{ var('audit_min_checks') }}
        and check_contradiction_share >= {{ var('audit_contradiction_share') }}
    )
{%- endmacro %}

{#- The reason text of every rule that holds, each with its figures. -#}
{% macro audit_reason_parts() -%}
    case
        when {{ audit_is_templated() }}
            then format(
                '{} distinct reasons for {} judgments ({:.1f}%)',
                distinct_reasons, judgments, 100.0 * distinct_reason_ratio
            )
    end,
    case
        when {{ audit_is_lenient_on_broken() }}
            then format(
                '{} of {} empty or echo-only responses scored 2 or 3',
                broken_scored_high, broken_judged
            )
    end,
    case
        when {{ audit_contradicts_checks() }}
            then format(
                '{} of {} deterministically checked responses scored 2+ points away',
                check_contradictions, checks_compared
            )
    end
{%- endmacro %}
