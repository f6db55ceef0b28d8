{#- One row per report category: its title, order and meaning, from seed report_categories. -#}
with

categories as (

    select * from {{ ref('report_categories') }}

),

final as (

    select
        category,
        title,
        sort_order,
        description

    from categories

)

select * from final
