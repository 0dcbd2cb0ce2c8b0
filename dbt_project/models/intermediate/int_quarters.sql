-- Every financial-year quarter from the first one any return covers to the last one that has
-- ended (as of the refresh date), with its dates and the day its return is due.
with loaded as (
    select
        min(period_index) as first_index,
        max(period_index) as last_loaded_index
    from {{ ref('stg_returns__submissions') }}
),

bounds as (
    select
        first_index,
        {{ quarter_index_of(as_of_date()) }} - 1 as last_ended_index,
        greatest(last_loaded_index, last_ended_index) as last_index
    from loaded
    where first_index is not null
),

quarters as (
    select
        r.period_index,
        b.last_ended_index
    from bounds b
    cross join range(b.first_index, b.last_index + 1) as r (period_index)
)

select
    period_index,
    {{ period_from_index('period_index') }} as period,
    {{ financial_year('period_index') }} as financial_year,
    period_index // 4 as financial_year_start,
    period_index % 4 + 1 as quarter_number,
    {{ period_start('period_index') }} as period_start,
    {{ period_end('period_index') }} as period_end,
    cast({{ period_end('period_index') }} + to_days({{ var('return_due_days') }}) as date)
        as return_due_date,
    period_index <= last_ended_index as has_ended,
    period_index = last_ended_index as is_latest_ended
from quarters
