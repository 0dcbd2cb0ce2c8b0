-- Every accepted return file, with its provenance. Which one counts for an agency, area and
-- quarter is int_submissions' `is_current`.
with source as (
    select * from {{ source('returns', 'submissions') }}
)

select
    submission_id,
    agency,
    area_code,
    period,
    {{ period_index('period') }} as period_index,
    file_name,
    file_hash,
    file_format,
    loaded_at,
    loaded_by,
    supersedes as supersedes_submission_id,
    figure_count
from source
