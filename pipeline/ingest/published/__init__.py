"""Benchmarks from published statistics: the Department for Education's Explore Education
Statistics files (England, regions and every local authority) and its statistical-neighbour
models, imported into the warehouse's `benchmarks` schema, apart from the partnership's own
returns and versioned by the file they came from.

- `years`: what a published time period means (year ending 31 March, academic year, ...);
- `symbols`: suppression and special symbols, kept as "no figure, with a reason";
- `tidy`: the reader for the standard tidy layout;
- `neighbours`: the reader for the statistical-neighbour files;
- `mapping`: which published measure is which catalogue indicator (seeds/benchmark_measures.csv);
- `imports`: `pqa benchmarks load` and `pqa benchmarks neighbours`, one transaction each.
"""
