-- The published figures of the current file of each dataset, with the dataset and file they
-- came from.
with figures as (
    select * from {{ ref('stg_benchmarks__figures') }}
),

current_files as (
    select * from {{ ref('stg_benchmarks__files') }}
    where kind = 'figures' and is_current
)

select
    f.file_id,
    c.dataset,
    c.file_name as source_file,
    c.imported_at as source_imported_at,
    f.source_row,
    f.geographic_level,
    f.area_code,
    f.area_name,
    f.old_la_code,
    f.region_code,
    f.country_code,
    f.time_period,
    f.time_identifier,
    f.period_kind,
    f.year,
    f.financial_year,
    f.period_in_words,
    f.filters,
    f.measure,
    f.value,
    f.symbol
from figures f
join current_files c using (file_id)
