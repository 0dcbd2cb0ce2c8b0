-- Local authorities reorganised since 2013 (seeds/former_areas.csv): published statistics
-- for earlier years still name them.
select
    area_code,
    area_name,
    old_la_code,
    region_code,
    region_name,
    replaced_on,
    replaced_by
from {{ ref('former_areas') }}
