-- The indicator catalogue (seeds/indicators.csv), the single source of truth for codes,
-- labels, kinds, polarity and how quarters add up to a year.
with source as (
    select * from {{ ref('indicators') }}
)

select
    code as indicator_code,
    label,
    definition,
    agency,
    kind,
    measured,
    annual as annual_method,
    better,
    nullif(numerator_code, '') as numerator_code,
    nullif(denominator_code, '') as denominator_code,
    nullif(part_of, '') as part_of,
    priority,
    seasonal = 'yes' as is_seasonal,
    nullif(pair_code, '') as pair_code,
    nullif(snapshot_code, '') as snapshot_code,
    nullif(benchmark, '') as benchmark_source,
    kind in ('proportion', 'rate_per_10k', 'duration') as is_ratio
from source
