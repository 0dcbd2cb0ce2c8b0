-- Every figure that counts, in one long shape (area, indicator, quarter), with its numerator
-- and denominator (taken from the linked indicators when the row does not carry them), the
-- ONS population of children aged 0 to 17 and, for rates, the rate per 10,000 children.
with figures as (
    select * from {{ ref('int_current_figures') }}
),

indicators as (
    select * from {{ ref('stg_reference__indicators') }}
),

population as (
    select * from {{ ref('stg_reference__population') }}
),

with_parts as (
    select
        f.area_code,
        f.indicator_code,
        f.period,
        f.period_index,
        f.period_index // 4 as financial_year_start,
        i.kind,
        f.value,
        case when i.is_ratio then coalesce(f.numerator, n.value) end as numerator,
        case when i.is_ratio then coalesce(f.denominator, d.value) end as denominator,
        f.submission_id
    from figures f
    join indicators i using (indicator_code)
    left join figures n
        on n.indicator_code = i.numerator_code
        and n.area_code = f.area_code
        and n.period_index = f.period_index
    left join figures d
        on d.indicator_code = i.denominator_code
        and d.area_code = f.area_code
        and d.period_index = f.period_index
)

-- A financial year uses the mid-year estimate of the year it starts in (2024-25 uses mid-2024);
-- years after the latest estimate carry that estimate forward.
select
    w.area_code,
    w.indicator_code,
    w.period,
    w.period_index,
    w.value,
    w.numerator,
    w.denominator,
    p.children_0_17,
    p.mid_year as population_mid_year,
    p.mid_year < w.financial_year_start as population_carried_forward,
    case when w.kind = 'rate_per_10k'
            then {{ scaled_ratio('w.kind', 'w.numerator', 'p.children_0_17') }}
    end as rate_per_10k,
    w.submission_id
from with_parts w
asof left join population p
    on p.area_code = w.area_code
    and p.mid_year <= w.financial_year_start
