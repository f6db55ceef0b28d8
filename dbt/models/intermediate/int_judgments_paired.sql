{#-
    Every pair of scoring runs that scored the same response, in both directions: one row per
    (response_id, scoring_run, other_scoring_run), both scores present. The judge agreement
    marts read it instead of each joining judgments to themselves.
-#}
with

judgments as (

    select * from {{ ref('stg_rescore__judgments') }}

),

final as (

    select
        judgments.response_id,
        judgments.scoring_run,
        other_judgments.scoring_run as other_scoring_run,
        judgments.score,
        other_judgments.score as other_score,
        coalesce(judgments.decided_by, 'not recorded') as decided_by

    from judgments
    inner join judgments as other_judgments
        on
            judgments.response_id = other_judgments.response_id
            and judgments.scoring_run <> other_judgments.scoring_run
    where judgments.score is not null and other_judgments.score is not null

)

select * from final
