-- The validation queries raised by the returns that count, with where to find them.
with queries as (
    select * from {{ ref('stg_returns__validation_queries') }}
),

current_submissions as (
    select * from {{ ref('int_submissions') }} where is_current
)

select
    s.agency,
    s.area_code,
    s.period,
    s.submission_id,
    s.file_name,
    q.rule_code,
    q.sheet,
    q.source_row,
    q.source_column,
    q.indicator_code,
    q.message
from queries q
join current_submissions s using (submission_id)
