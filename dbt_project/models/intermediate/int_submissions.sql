-- Every accepted return file, with `is_current` marking the one that counts for its agency,
-- area and quarter (the warehouse's definition: stg_returns__current_submissions).
with submissions as (
    select * from {{ ref('stg_returns__submissions') }}
),

current_submissions as (
    select * from {{ ref('stg_returns__current_submissions') }}
)

select
    s.submission_id,
    s.agency,
    s.area_code,
    s.period,
    s.period_index,
    s.file_name,
    s.file_hash,
    s.file_format,
    s.loaded_at,
    s.loaded_by,
    s.supersedes_submission_id,
    s.figure_count,
    c.submission_id is not null as is_current
from submissions s
left join current_submissions c using (submission_id)
