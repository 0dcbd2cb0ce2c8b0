-- Every accepted return file. The one that counts for an agency, area and quarter is the
-- latest loaded; earlier ones stay for history, marked as replaced.
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
    figure_count,
    row_number() over (
        partition by agency, area_code, period order by submission_id desc
    ) = 1 as is_current
from source
