-- Every imported file of published statistics. The one that counts for a dataset (or a
-- neighbour model) is the latest imported; earlier ones stay as history, marked as replaced.
with source as (
    select * from {{ source('benchmarks', 'files') }}
)

select
    file_id,
    kind,
    dataset,
    file_name,
    file_hash,
    imported_at,
    imported_by,
    source_rows,
    figure_count,
    first_period,
    last_period,
    supersedes as supersedes_file_id,
    row_number() over (partition by kind, dataset order by file_id desc) = 1 as is_current
from source
