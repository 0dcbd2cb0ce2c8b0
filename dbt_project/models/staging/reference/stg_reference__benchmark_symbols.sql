-- Suppression and special symbols in published statistics, and what each means
-- (seeds/benchmark_symbols.csv; the importer reads the same file).
select
    symbol,
    meaning
from {{ ref('benchmark_symbols') }}
