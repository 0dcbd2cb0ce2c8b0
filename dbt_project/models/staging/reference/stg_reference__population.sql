-- ONS mid-year estimates of children aged 0 to 17 by area (seeds/population_0_17.csv).
-- ONS marks areas that no longer exist with 'x' (no figure); those rows are left out.
with source as (
    select * from {{ ref('population_0_17') }}
)

select
    area_code,
    mid_year,
    cast(children_0_17 as integer) as children_0_17
from source
where children_0_17 <> 'x'
