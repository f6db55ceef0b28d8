{#-
    One row per scoring run: who judged it (one label and its kind), whether rescore itself ran
    the judge blind, the rubric, when the scores were made, and what it covers.
-#}
with

scoring_runs as (

    select * from {{ ref('stg_rescore__scoring_runs') }}

),

judgments as (

    select * from {{ ref('stg_rescore__judgments') }}

),

responses as (

    select * from {{ ref('stg_rescore__responses') }}

),

judgments_aggregated as (

    select
        judgments.scoring_run,
        count(*) as judgments,
        count(distinct responses.run_id || '/' || responses.config) as configs,
        list(distinct responses.run_id order by responses.run_id) filter (
            where responses.run_id is not null
        ) as run_ids,
        list(distinct judgments.source_file order by judgments.source_file) filter (
            where judgments.source_file is not null
        ) as judged_source_files,
        min(judgments.judged_at) as first_judged_at,
        max(judgments.judged_at) as last_judged_at

    from judgments
    left join responses
        on judgments.response_id = responses.response_id
    group by judgments.scoring_run

),

scoring_runs_classified as (

    select
        scoring_run,
        judge,
        origin,
        rubric_version,
        rubric,
        settings,
        created_at,
        updated_at,
        scored_at as source_scored_at,
        case
            when origin = 'import' or judge like 'imported%' then 'imported'
            when judge like 'rules%' then 'rules'
            when judge like 'claude%' then 'claude'
            when judge like 'openai%' then 'openai'
            when judge like 'cascade%' then 'cascade'
            else 'other'
        end as judge_kind,
        coalesce(
            (
                select list(listed.f order by listed.f) as files
                from (select unnest(from_json(source_files, '["varchar"]')) as f) as listed
            ),
            []::varchar []
        ) as source_files

    from scoring_runs

),

final as (

    select
        scoring_runs_classified.scoring_run,
        scoring_runs_classified.judge,
        scoring_runs_classified.judge_kind,
        scoring_runs_classified.origin,
        scoring_runs_classified.rubric_version,
        scoring_runs_classified.rubric,
        scoring_runs_classified.created_at,
        scoring_runs_classified.updated_at,
        judgments_aggregated.first_judged_at,
        judgments_aggregated.last_judged_at,
        scoring_runs_classified.source_files,
        (
            scoring_runs_classified.origin = 'judge'
            and scoring_runs_classified.judge_kind in ('rules', 'claude', 'openai', 'cascade')
        ) as is_blind_by_rescore,
        coalesce(
            scoring_runs_classified.source_scored_at,
            judgments_aggregated.last_judged_at,
            scoring_runs_classified.created_at
        ) as scored_at,
        case
            when scoring_runs_classified.source_scored_at is not null then 'source'
            when judgments_aggregated.last_judged_at is not null then 'last_judgment'
            else 'created'
        end as scored_at_source,
        coalesce(judgments_aggregated.judgments, 0) as judgments,
        coalesce(judgments_aggregated.configs, 0) as configs,
        coalesce(judgments_aggregated.run_ids, []::varchar []) as run_ids,
        coalesce(
            judgments_aggregated.judged_source_files, []::varchar []
        ) as judged_source_files,
        len(scoring_runs_classified.source_files) as source_file_count

    from scoring_runs_classified
    left join judgments_aggregated
        on scoring_runs_classified.scoring_run = judgments_aggregated.scoring_run

)

select * from final
