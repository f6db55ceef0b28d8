{#-
    Per (scoring_run, suite): which responses of the judged runs could be judged at all, and
    which were: speed-test records, responses to question ids the suite file does not have,
    and the suite questions' responses, judged or not.
-#}
with

responses as (

    select * from {{ ref('responses') }}

),

suites as (

    select * from {{ ref('stg_rescore__suites') }}

),

aggregated as (

    select
        scoring_run,
        suite,
        count(*) as responses,
        count(*) filter (where is_speed_test) as speed_test_responses,
        count(*) filter (where counts_for_quality) as suite_question_responses,
        count(*) filter (
            where not in_suite and not is_speed_test
        ) as absent_question_responses,
        count(distinct question_id) filter (
            where not in_suite and not is_speed_test
        ) as absent_question_ids,
        count(*) filter (where is_judged) as judged,
        count(*) filter (where is_judged and counts_for_quality) as judged_counting,
        count(*) filter (where is_judged and not counts_for_quality) as judged_not_counting,
        count(*) filter (
            where not is_judged and counts_for_quality
        ) as not_judged,
        count(*) filter (
            where is_judged and not in_suite and not is_speed_test
        ) as absent_question_judged

    from responses
    group by scoring_run, suite

),

final as (

    select
        aggregated.*,
        regexp_extract(suites.source_file, '[^/\\]+$') as suite_file,
        case
            when aggregated.absent_question_responses = 0 then null
            when suites.suite is null
                then format(
                    '{} {} responses answer a suite with no file in the prompts folder: {}',
                    aggregated.absent_question_responses,
                    aggregated.suite,
                    case
                        when aggregated.absent_question_judged = 0 then 'not judged'
                        else format(
                            '{} judged, not counted', aggregated.absent_question_judged
                        )
                    end
                )
            else format(
                '{} {} responses answer question ids absent from {}: {}',
                aggregated.absent_question_responses,
                aggregated.suite,
                regexp_extract(suites.source_file, '[^/\\]+$'),
                case
                    when aggregated.absent_question_judged = 0 then 'not judged'
                    else format(
                        '{} judged, not counted', aggregated.absent_question_judged
                    )
                end
            )
        end as message

    from aggregated
    left join suites
        on aggregated.suite = suites.suite

)

select * from final
