-- Queries raised when returns were accepted: figures that loaded but look worth a second look.
with source as (
    select * from {{ source('returns', 'validation_queries') }}
)

select
    submission_id,
    rule_code,
    sheet,
    source_row,
    source_column,
    indicator_code,
    message
from source
