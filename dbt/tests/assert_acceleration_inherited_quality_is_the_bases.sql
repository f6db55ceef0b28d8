{#- An inherited quality equals the measured quality of the base config in the same scoring run. -#}
with

acceleration as (

    select * from {{ ref('acceleration') }}

),

inherited as (

    select * from acceleration
    where quality_source = 'inherited'

),

bases as (

    select * from acceleration
    where quality_source = 'measured'

)

select
    inherited.scoring_run,
    inherited.run_id,
    inherited.config,
    inherited.quality_pct,
    bases.quality_pct as base_quality_pct

from inherited
left join bases
    on
        inherited.scoring_run = bases.scoring_run
        and inherited.run_id = bases.run_id
        and inherited.base_config = bases.config
where bases.quality_pct is null or bases.quality_pct != inherited.quality_pct
