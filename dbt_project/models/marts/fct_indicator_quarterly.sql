-- Quarterly figures with the comparisons the subgroup reads: the same quarter last year, the
-- previous quarter and a rolling four-quarter figure. A change is only computed between two
-- quarters that both have a figure (the spine has a row for every quarter, so the row four
-- back is always the same quarter last year).
with spine as (
    select * from {{ ref('int_indicator_quarter_spine') }}
),

indicators as (
    select * from {{ ref('stg_reference__indicators') }}
),

compared as (
    select
        s.*,
        i.kind,
        i.measured,
        lag(s.value, 4) over series as same_quarter_last_year_value,
        lag(s.value, 1) over series as previous_quarter_value,
        count(s.value) over last_four as quarters_in_last_four,
        sum(s.value) over last_four as sum_last_four,
        avg(s.value) over last_four as mean_last_four,
        sum(s.numerator) over last_four as numerator_last_four,
        sum(s.denominator) over last_four as denominator_last_four
    from spine s
    join indicators i using (indicator_code)
    window
        series as (partition by s.area_code, s.indicator_code order by s.period_index),
        last_four as (
            partition by s.area_code, s.indicator_code order by s.period_index
            rows between 3 preceding and current row
        )
)

select
    area_code,
    indicator_code,
    kind,
    period,
    financial_year,
    quarter_number,
    period_start,
    period_end,
    value,
    numerator,
    denominator,
    children_0_17,
    population_mid_year,
    population_carried_forward,
    rate_per_10k,
    same_quarter_last_year_value,
    {{ change('value', 'same_quarter_last_year_value') }} as change_from_same_quarter_last_year,
    {{ change_pct('value', 'same_quarter_last_year_value') }}
        as change_from_same_quarter_last_year_pct,
    previous_quarter_value,
    {{ change('value', 'previous_quarter_value') }} as change_from_previous_quarter,
    {{ change_pct('value', 'previous_quarter_value') }} as change_from_previous_quarter_pct,
    -- The year ending with this quarter, made the way the kind says: events add up, ratios
    -- are recomputed from the four quarters' numerators and denominators, snapshots are
    -- averaged. Year-to-date counts restart each April, so they have no rolling figure.
    case
        when quarters_in_last_four < 4 or measured = 'ytd' then null
        when kind <> 'count'
            then
                {{ scaled_ratio('kind', 'numerator_last_four', 'denominator_last_four') }}
        when measured = 'flow' then sum_last_four
        else round(mean_last_four, 1)
    end as rolling_four_quarter_value,
    submission_id
from compared
