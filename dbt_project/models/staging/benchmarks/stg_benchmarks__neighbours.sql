-- Each statistical-neighbour model's files, current and replaced: each authority's neighbours
-- in order, by old three-digit codes (as the Department for Education publishes them);
-- int_benchmark_neighbours keeps each model's current file.
with neighbours as (
    select * from {{ source('benchmarks', 'neighbours') }}
)

select
    file_id,
    model,
    area_old_code,
    area_name,
    neighbour_rank,
    neighbour_old_code,
    closeness
from neighbours
