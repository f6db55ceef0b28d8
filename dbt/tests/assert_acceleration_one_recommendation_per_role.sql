{#-
    Per scoring run, run and role of marts.acceleration: exactly one recommended config when the
    baseline has a tps (the baseline itself always qualifies), at most one otherwise.
-#}
with

acceleration as (

    select * from {{ ref('acceleration') }}

),

per_role as (

    select
        scoring_run,
        run_id,
        role,
        count(*) filter (where is_recommended) as recommended,
        bool_or(config = baseline_config and tps is not null) as has_timed_baseline

    from acceleration
    group by scoring_run, run_id, role

)

select * from per_role
where recommended > 1 or (has_timed_baseline and recommended != 1)
