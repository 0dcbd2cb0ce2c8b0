-- Every quarter for every area and indicator, from the indicator's first figure to the last
-- ended quarter, with the figure where there is one and nothing where a return is missing,
-- so that "the previous quarter" and "the same quarter last year" are always the right rows.
with values_ as (
    select * from {{ ref('int_indicator_values') }}
),

quarters as (
    select * from {{ ref('int_quarters') }}
),

series as (
    select
        area_code,
        indicator_code,
        min(period_index) as first_index
    from values_
    group by area_code, indicator_code
)

select
    s.area_code,
    s.indicator_code,
    q.period,
    q.period_index,
    q.financial_year,
    q.quarter_number,
    q.period_start,
    q.period_end,
    v.value,
    v.numerator,
    v.denominator,
    v.children_0_17,
    v.population_mid_year,
    v.population_carried_forward,
    v.rate_per_10k,
    v.submission_id
from series s
join quarters q on q.period_index >= s.first_index
left join values_ v
    on v.area_code = s.area_code
    and v.indicator_code = s.indicator_code
    and v.period_index = q.period_index
