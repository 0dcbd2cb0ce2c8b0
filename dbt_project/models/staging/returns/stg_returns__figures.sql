-- The figures of every accepted return, current and replaced; int_current_figures keeps those
-- that count.
with source as (
    select * from {{ source('returns', 'return_figures') }}
)

select
    submission_id,
    indicator_code,
    source_row,
    value,
    numerator,
    denominator,
    notes
from source
