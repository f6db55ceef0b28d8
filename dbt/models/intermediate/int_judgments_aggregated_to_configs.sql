{#-
    Per scoring run and config: what the judge gave, overall and on the role's relevant suites,
    over the judgments that count for quality (int_judgments_enriched). Also how the judge scored
    the config's degenerate responses: a config whose degenerate responses still score
    >= loop_answered_min_score "answers, then loops"; one whose degenerate responses score below
    it "degenerates instead of answering" (config_assessment).
    category_max_judged: the most judgments any config of the same category got in the scoring
    run. The coverage rule compares a config with what its peers got: a scoring run that judged
    about ten questions per config ranks them all; a config judged on 3 where its peers got 61
    does not rank.
-#}
with

judgments as (

    select * from {{ ref('int_judgments_enriched') }}

),

aggregated as (

    select
        scoring_run,
        run_id,
        config,
        any_value(category) as category,
        sum(score)::bigint as score,
        coalesce(sum(score) filter (where is_relevant_suite), 0)::bigint as relevant_score,
        count(*) as judged,
        {{ rubric_max('count(*)') }} as max_score,
        count(*) filter (where is_truncated) as judged_truncated,
        count(*) filter (where is_relevant_suite) as relevant_judged,
        count(*) filter (where is_degenerate) as judged_degenerate,
        count(*) filter (
            where is_degenerate and score >= {{ var('loop_answered_min_score') }}
        ) as judged_degenerate_answered

    from judgments
    group by scoring_run, run_id, config

),

aggregated_with_peers as (

    select
        *,
        max(judged) over (partition by scoring_run, category) as category_max_judged

    from aggregated

),

final as (

    select
        scoring_run,
        run_id,
        config,
        category_max_judged,
        judged,
        score,
        max_score,
        judged_truncated,
        relevant_judged,
        relevant_score,
        judged_degenerate,
        judged_degenerate_answered,
        100.0 * score / max_score as pct,
        {{ rubric_max('relevant_judged') }} as relevant_max_score,
        case
            when relevant_judged > 0
                then 100.0 * relevant_score / {{ rubric_max('relevant_judged') }}
        end as relevant_pct

    from aggregated_with_peers

)

select * from final
