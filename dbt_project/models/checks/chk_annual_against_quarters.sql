-- Each complete financial year's figure beside the range its quarters allow: a sum equals the
-- quarters' sum; a year-end or year-to-date figure equals the Q4 figure; a ratio of sums lies
-- between the lowest and highest quarterly figure (a weighted mean cannot leave that range); a
-- rate of events (rate_of_sum) equals the quarters' sum, give or take 0.2 for four quarters
-- each rounded to one decimal place. Ratios allow 0.1 either side: they are recomputed and
-- rounded to one decimal place, and an agency may round a half the other way (76.25 to 76.2
-- rather than 76.3). Both ends are widened by a millionth: a year's sum and its quarters' sum
-- can be added up in different orders and so differ in the last binary place (127.4 against
-- 127.40000000000002), which no published figure does. The suite
-- expectations/annual_against_quarters.json checks the value lies in the range.
with annual as (
    select * from {{ ref('fct_indicator_annual') }} where is_complete
),

quarterly as (
    select * from {{ ref('fct_indicator_quarterly') }} where value is not null
),

indicators as (
    select * from {{ ref('stg_reference__indicators') }}
),

quarters as (
    select
        area_code,
        indicator_code,
        financial_year,
        sum(value) as quarters_sum,
        min(value) as lowest_quarter,
        max(value) as highest_quarter,
        max(value) filter (where quarter_number = 4) as q4_value
    from quarterly
    group by area_code, indicator_code, financial_year
)

select
    a.area_code,
    a.indicator_code,
    a.financial_year,
    i.annual_method,
    a.value,
    case i.annual_method
        when 'sum' then q.quarters_sum
        when 'ratio_of_sums' then q.lowest_quarter
        when 'rate_of_sum' then q.quarters_sum - 0.1
        else q.q4_value
    end - case when i.is_ratio then 0.1 else 0 end - 0.000001 as lowest_allowed,
    case i.annual_method
        when 'sum' then q.quarters_sum
        when 'ratio_of_sums' then q.highest_quarter
        when 'rate_of_sum' then q.quarters_sum + 0.1
        else q.q4_value
    end + case when i.is_ratio then 0.1 else 0 end + 0.000001 as highest_allowed
from annual a
join indicators i using (indicator_code)
join quarters q using (area_code, indicator_code, financial_year)
