-- Each authority's statistical neighbours by name, with each neighbour's own published figure
-- and its rank in England, for every compared indicator (rates and proportions, never counts),
-- published year and neighbour model: what the Department for Education's local authority
-- interactive tool shows beside an authority, so a reader sees who the neighbours are rather
-- than only their mean and median (fct_indicator_benchmarks).
with benchmarks as (
    select * from {{ ref('fct_indicator_benchmarks') }}
    where kind <> 'count' and neighbour_model is not null
),

neighbour_sets as (
    select * from {{ ref('dim_statistical_neighbours') }}
),

-- one figure per old code and year (an old code is reused when an authority is remade);
-- an authority's figure and rank are the same in every model's row, so any one will do
figures_by_old_code as (
    select *
    from benchmarks
    where area_old_code is not null
    qualify row_number() over (
            partition by indicator_code, period_kind, year, area_old_code
            order by area_value is null asc, area_code desc, neighbour_model asc
        ) = 1
)

select
    b.indicator_code,
    b.kind,
    b.area_code,
    b.area_name,
    b.period_kind,
    b.year,
    b.financial_year,
    b.neighbour_model,
    n.neighbour_rank,
    n.neighbour_old_code,
    coalesce(n.neighbour_code, f.area_code) as neighbour_code,
    coalesce(n.neighbour_name, f.area_name) as neighbour_name,
    f.area_value as neighbour_value,
    f.area_symbol as neighbour_symbol,
    case
        when f.area_code is null then 'The authority has no published figure that year.'
        else f.area_no_figure_reason
    end as neighbour_no_figure_reason,
    f.rank as neighbour_rank_in_england,
    f.authorities_ranked,
    f.quartile as neighbour_quartile,
    b.area_value,
    b.england_value,
    b.better,
    b.unit
from benchmarks b
join neighbour_sets n
    on n.neighbour_model = b.neighbour_model
    and n.area_old_code = b.area_old_code
left join figures_by_old_code f
    on f.indicator_code = b.indicator_code
    and f.period_kind = b.period_kind
    and f.year = b.year
    and f.area_old_code = n.neighbour_old_code
