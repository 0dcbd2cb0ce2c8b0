-- The current file of each statistical-neighbour model: each authority's neighbours in order,
-- by old three-digit codes (as the Department for Education publishes them).
with neighbours as (
    select * from {{ ref('stg_benchmarks__neighbours') }}
),

current_files as (
    select * from {{ ref('stg_benchmarks__files') }}
    where kind = 'neighbours' and is_current
)

select
    n.model,
    n.area_old_code,
    n.area_name,
    n.neighbour_rank,
    n.neighbour_old_code,
    n.closeness,
    c.file_name as source_file,
    c.imported_at as source_imported_at
from neighbours n
join current_files c using (file_id)
