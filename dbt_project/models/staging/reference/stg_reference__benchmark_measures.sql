-- Which published measure is which catalogue indicator (seeds/benchmark_measures.csv), and
-- how a reconciliation with the partnership's own figure is judged.
with source as (
    select * from {{ ref('benchmark_measures') }}
)

select
    dataset,
    measure,
    coalesce(filters, '') as filters,
    indicator_code,
    coalesce(scale, 1) as scale,
    unit,
    reconcile = 'yes' as is_reconciled,
    tolerance,
    tolerance_in,
    note
from source
