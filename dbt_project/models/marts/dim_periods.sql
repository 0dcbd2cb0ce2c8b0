-- The quarters the marts cover, to the last one ended by the refresh date.
select
    period,
    period_index,
    financial_year,
    quarter_number,
    period_start,
    period_end,
    return_due_date,
    has_ended,
    is_latest_ended
from {{ ref('int_quarters') }}
