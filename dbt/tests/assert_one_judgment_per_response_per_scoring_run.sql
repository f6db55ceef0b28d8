-- Each response is judged at most once per scoring run, in raw and after the joins that feed
-- the marts (a fan-out there would double-count scores).
with

raw_judgments as (

    select
        scoring_run,
        response_id,
        count(*) as n_judgments

    from {{ ref('stg_rescore__judgments') }}
    group by scoring_run, response_id

),

enriched_judgments as (

    select
        scoring_run,
        response_id,
        count(*) as n_judgments

    from {{ ref('int_judgments_enriched') }}
    group by scoring_run, response_id

),

duplicates as (

    select
        'staging' as layer,
        *
    from raw_judgments
    where n_judgments > 1

    union all

    select
        'intermediate' as layer,
        *
    from enriched_judgments
    where n_judgments > 1

)

select * from duplicates
