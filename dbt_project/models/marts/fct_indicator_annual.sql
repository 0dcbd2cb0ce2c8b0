-- Financial-year figures made the way the catalogue says: events sum; counts on a day take the
-- year end; year-to-date counts take Q4; percentages, rates and waiting times are recomputed
-- from summed (or year-end) numerators and denominators, never averaged; a rate of events per
-- 10,000 children (rate_of_sum) is the year's summed events over the year-end population. A
-- year still in progress shows the figure so far and is marked incomplete; year-on-year changes
-- are only made between two complete consecutive years.
with values_ as (
    select * from {{ ref('int_indicator_values') }}
),

indicators as (
    select * from {{ ref('stg_reference__indicators') }}
),

years as (
    select
        v.area_code,
        v.indicator_code,
        v.period_index // 4 as financial_year_start,
        i.kind,
        i.annual_method,
        count(*) as quarters_reported,
        bool_or(v.period_index % 4 = 3) as has_year_end,
        sum(v.value) as value_sum,
        arg_max(v.value, v.period_index) as latest_value,
        sum(v.numerator) as numerator_sum,
        sum(v.denominator) as denominator_sum,
        arg_max(v.numerator, v.period_index) as latest_numerator,
        arg_max(v.denominator, v.period_index) as latest_denominator,
        max(v.period) as latest_period
    from values_ v
    join indicators i using (indicator_code)
    group by all
),

made as (
    select
        area_code,
        indicator_code,
        kind,
        financial_year_start,
        quarters_reported,
        latest_period,
        case annual_method when 'ratio_of_sums' then numerator_sum
            when 'rate_of_sum' then numerator_sum
            when 'sum' then null else latest_numerator
        end as numerator,
        case annual_method when 'ratio_of_sums' then denominator_sum
            when 'sum' then null else latest_denominator
        end as denominator,
        case annual_method when 'sum' then value_sum
            when 'ratio_of_sums'
                then
                    {{ scaled_ratio('kind', 'numerator_sum', 'denominator_sum') }}
            when 'rate_of_sum'
                then
                    {{ scaled_ratio('kind', 'numerator_sum', 'latest_denominator') }}
            -- year end and year to date: the year-end quarter's figure, recomputed from its
            -- numerator and denominator where it has them
            else coalesce(
                    {{ scaled_ratio('kind', 'latest_numerator', 'latest_denominator') }},
                    latest_value
                )
        end as value,
        case when annual_method in ('year_end', 'ytd_q4') then has_year_end
            else quarters_reported = 4
        end as is_complete
    from years
),

compared as (
    select
        *,
        lag(financial_year_start) over series as previous_year_start,
        lag(value) over series as previous_value,
        lag(is_complete) over series as previous_is_complete
    from made
    window series as (partition by area_code, indicator_code order by financial_year_start)
),

with_previous as (
    select
        *,
        case when is_complete and previous_is_complete
                and previous_year_start = financial_year_start - 1
                then previous_value
        end as previous_year_value
    from compared
)

select
    area_code,
    indicator_code,
    kind,
    {{ financial_year('financial_year_start * 4') }} as financial_year,
    value,
    numerator,
    denominator,
    quarters_reported,
    is_complete,
    latest_period,
    previous_year_value,
    {{ change('value', 'previous_year_value') }} as change_from_previous_year,
    {{ change_pct('value', 'previous_year_value') }} as change_from_previous_year_pct
from with_previous
