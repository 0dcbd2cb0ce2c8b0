-- Published figures mapped to catalogue indicators (seeds/benchmark_measures.csv): one row per
-- indicator, level (England, region, local authority), area and published period, the value
-- in the catalogue's unit, or no value and the reason.
--
-- A count mapped with a `rate_per` becomes a rate per that many children aged 0 to 17, so that
-- areas a hundred times apart in size can be compared: the Office for National Statistics'
-- mid-year estimate of the year the financial year starts in (2024-25 uses mid-2024, as the
-- Department for Education does), carried forward and marked when no estimate is that recent.
-- England's and each region's children are their authorities' estimates added up.
with figures as (
    select * from {{ ref('int_benchmark_figures') }}
),

measures as (
    select * from {{ ref('stg_reference__benchmark_measures') }}
),

symbols as (
    select * from {{ ref('stg_reference__benchmark_symbols') }}
),

population as (
    select * from {{ ref('stg_reference__population') }}
),

area_regions as (
    select area_code, region_code from {{ ref('stg_reference__areas') }}
    union
    select area_code, region_code from {{ ref('stg_reference__former_areas') }}
),

populations as (
    select area_code, mid_year, children_0_17 from population
    union all
    select 'E92000001' as area_code, mid_year, sum(children_0_17) as children_0_17
    from population
    group by mid_year
    union all
    select r.region_code as area_code, p.mid_year, sum(p.children_0_17) as children_0_17
    from population p
    join area_regions r using (area_code)
    group by r.region_code, p.mid_year
),

mapped as (
    select
        m.indicator_code,
        f.*,
        m.scale,
        m.rate_per,
        m.is_reconciled,
        m.tolerance,
        m.tolerance_in,
        m.unit,
        m.note,
        case when m.rate_per is not null and f.period_kind = 'financial_year'
                then cast(left(f.financial_year, 4) as integer)
        end as population_year_wanted
    from figures f
    join measures m
        on m.dataset = f.dataset
        and m.measure = f.measure
        and m.filters = f.filters
),

with_population as (
    select
        m.*,
        p.children_0_17,
        p.mid_year as population_mid_year
    from mapped m
    asof left join populations p
        on p.area_code = m.area_code
        and p.mid_year <= m.population_year_wanted
)

select
    w.indicator_code,
    w.geographic_level,
    w.area_code,
    w.area_name,
    w.old_la_code,
    w.region_code,
    w.period_kind,
    w.year,
    w.financial_year,
    w.period_in_words,
    case
        when w.rate_per is null then w.value * w.scale
        else round(w.value * w.scale * w.rate_per / nullif(w.children_0_17, 0), 1)
    end as value,
    w.symbol,
    coalesce(
        s.meaning,
        case when w.rate_per is not null and w.value is not null and w.children_0_17 is null
                then 'No population estimate of children aged 0 to 17 for the area and year.'
        end
    ) as no_figure_reason,
    w.rate_per is not null as is_rate_from_count,
    case when w.rate_per is not null then w.value * w.scale end as published_count,
    w.children_0_17,
    w.population_mid_year,
    w.population_mid_year < w.population_year_wanted as population_carried_forward,
    w.dataset,
    w.measure,
    w.source_file,
    w.source_imported_at,
    w.is_reconciled,
    w.tolerance,
    w.tolerance_in,
    w.unit,
    w.note
from with_population w
left join symbols s on s.symbol = w.symbol
