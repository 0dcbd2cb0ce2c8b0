-- Local authority areas with their region and latest ONS estimate of children aged 0 to 17.
with areas as (
    select * from {{ ref('stg_reference__areas') }}
),

latest_population as (
    select
        area_code,
        arg_max(children_0_17, mid_year) as children_0_17,
        max(mid_year) as population_mid_year
    from {{ ref('stg_reference__population') }}
    group by area_code
),

areas_with_returns as (
    select distinct area_code from {{ ref('stg_returns__submissions') }}
)

select
    a.area_code,
    a.area_name,
    a.old_la_code,
    a.region_code,
    a.region_name,
    p.children_0_17,
    p.population_mid_year,
    r.area_code is not null as has_returns
from areas a
left join latest_population p using (area_code)
left join areas_with_returns r using (area_code)
