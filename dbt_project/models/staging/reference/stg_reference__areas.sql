-- English local authority areas (ONS codes) with their region.
with source as (
    select * from {{ ref('areas') }}
)

select
    area_code,
    area_name,
    old_la_code,
    region_code,
    region_name
from source
