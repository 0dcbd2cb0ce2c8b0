-- Published figures mapped to catalogue indicators (seeds/benchmark_measures.csv): one row per
-- indicator, level (England, region, local authority), area and published period, the value
-- in the catalogue's unit, or no value and the reason.
with figures as (
    select * from {{ ref('stg_benchmarks__figures') }}
),

measures as (
    select * from {{ ref('stg_reference__benchmark_measures') }}
),

symbols as (
    select * from {{ ref('stg_reference__benchmark_symbols') }}
)

select
    m.indicator_code,
    f.geographic_level,
    f.area_code,
    f.area_name,
    f.old_la_code,
    f.region_code,
    f.period_kind,
    f.year,
    f.financial_year,
    f.period_in_words,
    f.value * m.scale as value,
    f.symbol,
    s.meaning as no_figure_reason,
    f.dataset,
    f.measure,
    f.source_file,
    f.source_imported_at,
    m.is_reconciled,
    m.tolerance,
    m.tolerance_in,
    m.unit,
    m.note
from figures f
join measures m
    on m.dataset = f.dataset
    and m.measure = f.measure
    and m.filters = f.filters
left join symbols s on s.symbol = f.symbol
