-- Each authority's statistical neighbours in every model imported (2021, 2025), closest
-- first, with today's ONS codes and names where the authority still exists (the Department
-- for Education identifies them by old three-digit codes), so a chart can name the set it uses.
with neighbours as (
    select * from {{ ref('int_benchmark_neighbours') }}
),

codes as (
    select old_la_code, area_code, area_name, 1 as preference
    from {{ ref('stg_reference__areas') }}
    union all
    select old_la_code, area_code, area_name, 2 as preference
    from {{ ref('stg_reference__former_areas') }}
),

by_old_code as (
    select * from codes
    qualify row_number() over (partition by old_la_code order by preference) = 1
)

select
    n.model as neighbour_model,
    a.area_code,
    coalesce(a.area_name, n.area_name) as area_name,
    n.area_old_code,
    n.neighbour_rank,
    b.area_code as neighbour_code,
    b.area_name as neighbour_name,
    n.neighbour_old_code,
    n.closeness,
    n.source_file,
    n.source_imported_at
from neighbours n
left join by_old_code a on a.old_la_code = n.area_old_code
left join by_old_code b on b.old_la_code = n.neighbour_old_code
