-- The published figures of every imported file, current and replaced; int_benchmark_figures
-- keeps those of each dataset's current file.
with figures as (
    select * from {{ source('benchmarks', 'figures') }}
)

select
    file_id,
    source_row,
    geographic_level,
    area_code,
    area_name,
    old_la_code,
    region_code,
    country_code,
    time_period,
    time_identifier,
    period_kind,
    year,
    financial_year,
    period_in_words,
    filters,
    measure,
    value,
    symbol
from figures
