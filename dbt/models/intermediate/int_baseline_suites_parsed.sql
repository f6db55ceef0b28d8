{#- Per baseline subject and suite: the earlier `n/m` suite score as a percentage. -#}
with

baselines as (

    select * from {{ ref('stg_rescore__baselines') }}

),

suite_keys as (

    select
        baseline,
        subject,
        subject_kind,
        suite_scores,
        unnest(json_keys(suite_scores)) as suite

    from baselines
    where suite_scores is not null and json_type(suite_scores) = 'OBJECT'

),

suite_texts as (

    select
        baseline,
        subject,
        subject_kind,
        suite,
        json_extract_string(suite_scores, suite) as suite_score_text

    from suite_keys

),

parsed as (

    select
        baseline,
        subject,
        subject_kind,
        suite,
        suite_score_text,
        try_cast(split_part(suite_score_text, '/', 1) as double) as suite_score,
        try_cast(split_part(suite_score_text, '/', 2) as double) as suite_max_score

    from suite_texts

),

final as (

    select
        *,
        100.0 * suite_score / suite_max_score as suite_pct

    from parsed
    where suite_max_score > 0

)

select * from final
