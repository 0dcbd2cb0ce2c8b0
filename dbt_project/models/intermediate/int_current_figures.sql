-- The figures that count: those of the current submission for each agency, area and quarter.
with figures as (
    select * from {{ ref('stg_returns__figures') }}
),

current_submissions as (
    select * from {{ ref('int_submissions') }}
    where is_current
)

select
    s.submission_id,
    s.agency,
    s.area_code,
    s.period,
    s.period_index,
    f.indicator_code,
    f.source_row,
    f.value,
    f.numerator,
    f.denominator,
    f.notes
from figures f
join current_submissions s using (submission_id)
