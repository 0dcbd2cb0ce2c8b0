-- Which published measure is which catalogue indicator (seeds/benchmark_measures.csv), and
-- how a reconciliation with the partnership's own figure is judged. A `rate_per` makes the
-- published count a rate per that many children aged 0 to 17, so areas can be compared.
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
    rate_per,
    note
from source
