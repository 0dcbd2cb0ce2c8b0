-- Which submission counts for each agency, area and quarter, as the warehouse defines it (the
-- view raw.current_submissions, which `pqa load` reads too).
with source as (
    select * from {{ source('returns', 'current_submissions') }}
)

select submission_id
from source
