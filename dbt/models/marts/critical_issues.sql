{#-
    Per (scoring_run, config, issue): problems worth a headline, with severity, severity_rank
    (1 critical, 2 moderate) and evidence. Built from the decision model (config_assessment) and
    the detector rates (int_detector_rates), so every critical issue is a reason the config is
    to avoid, and a picked config can only carry moderate ones:
    critical: degeneration when it "degenerates instead of answering", prompt echo or empty
    answers at or above their critical rates, a pct below critical_below_pct (given
    rank_min_judged judgments), a relevant-suite pct below avoid_below_pct;
    moderate: degeneration when the config "answers, then loops", a truncation rate at or above
    note_truncation_rate.
-#}
with

assessment as (

    select * from {{ ref('config_assessment') }}

),

detector_rates as (

    select * from {{ ref('int_detector_rates') }}

),

detector_issues as (

    select
        assessment.scoring_run,
        assessment.run_id,
        assessment.config,
        assessment.model,
        assessment.role,
        assessment.category,
        case detector_rates.detector
            when 'degenerate' then 'degeneration'
            when 'echo' then 'prompt_echo'
            when 'empty' then 'empty_responses'
            else detector_rates.detector
        end as issue,
        case
            when detector_rates.detector = 'degenerate'
                then assessment.degeneration_mode = 'degenerates_instead'
            when detector_rates.detector = 'truncation' then false
            else detector_rates.is_critical
        end as is_critical_issue,
        case detector_rates.detector
            when 'degenerate'
                then format(
                    '{} of {} responses degenerate into repetition{}',
                    detector_rates.flagged,
                    detector_rates.responses,
                    case assessment.degeneration_mode
                        when 'answers_then_loops' then ' after answering (answers, then loops)'
                        else ' instead of answering'
                    end
                )
            when 'echo'
                then format(
                    '{} of {} responses echo the prompt instead of answering',
                    detector_rates.flagged,
                    detector_rates.responses
                )
            when 'empty'
                then format(
                    '{} of {} responses are empty',
                    detector_rates.flagged,
                    detector_rates.responses
                )
            else format(
                '{} of {} responses hit the token cap',
                detector_rates.flagged,
                detector_rates.responses
            )
        end as evidence

    from assessment
    inner join detector_rates
        on
            assessment.run_id = detector_rates.run_id
            and assessment.config = detector_rates.config
    where
        (detector_rates.detector in ('degenerate', 'echo', 'empty') and detector_rates.is_critical)
        or (detector_rates.detector = 'truncation' and detector_rates.is_noted)

),

score_issues as (

    select
        scoring_run,
        run_id,
        config,
        model,
        role,
        category,
        case when is_very_low then 'very_low_score' else 'low_relevant_score' end as issue,
        true as is_critical_issue,
        case
            when is_very_low then format('scores {}/{} ({:.1f}%)', score, max_score, pct)
            else format(
                '{:.1f}% on its relevant suites over {} judged answers (below {}%)',
                relevant_pct,
                relevant_judged,
                {{ var('avoid_below_pct') }}
            )
        end as evidence

    from assessment
    where is_very_low or is_below_threshold

),

issues as (

    select * from detector_issues
    union all by name
    select * from score_issues

),

final as (

    select
        scoring_run,
        run_id,
        config,
        model,
        role,
        category,
        issue,
        evidence,
        case when is_critical_issue then 'critical' else 'moderate' end as severity,
        case when is_critical_issue then 1 else 2 end as severity_rank

    from issues

)

select * from final
