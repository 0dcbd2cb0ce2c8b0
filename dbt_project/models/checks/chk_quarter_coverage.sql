-- For every area and indicator with data: how many quarters the quarterly mart should have
-- (from its first figure to the last ended quarter) and how many it has. The suite
-- expectations/quarter_coverage.json expects none missing.
with quarterly as (
    select
        area_code,
        indicator_code,
        {{ period_index('period') }} as period_index
    from {{ ref('fct_indicator_quarterly') }}
),

last_ended as (
    select max(period_index) as last_index from {{ ref('int_quarters') }} where has_ended
)

select
    q.area_code,
    q.indicator_code,
    {{ period_from_index('min(q.period_index)') }} as first_period,
    greatest(max(q.period_index), max(l.last_index)) - min(q.period_index) + 1
        as quarters_expected,
    count(distinct q.period_index) as quarters_present,
    quarters_expected - quarters_present as quarters_missing
from quarterly q
cross join last_ended l
group by q.area_code, q.indicator_code
