-- For every indicator with published statistics, every local authority and published year: the
-- authority's own published figure, England's, its region's, the mean and median of its
-- statistical neighbours (one row per neighbour model imported), and its rank and quartile
-- among all authorities with a figure, following the catalogue's polarity.
--
-- Only rates and proportions are compared. A count mostly says how many children live in an
-- area (the Isles of Scilly's few referrals would rank "best", Hampshire's many "worst"), so a
-- count has no rank, quartile or neighbour figures; its rate per 10,000 children aged 0 to 17
-- (int_benchmark_values) is compared instead and named in rank_in_words.
--
-- Neighbours: those with no published figure (a symbol, or no row that year) are left out of
-- the mean and median and counted. The authority is also ranked among itself and its neighbours
-- with a figure, in the same order, with the quarter of that set it falls in. Rank: 1 is the
-- best figure (the highest where higher is better, the lowest where lower is better); where
-- neither is better, 1 is the highest. Authorities with the same figure share a rank. Quartile:
-- the rank's quarter of the authorities ranked, least(4, floor(4 * (rank - 1) /
-- authorities_ranked) + 1), so quartile 1 holds the best quarter (the highest quarter, where
-- neither is better).
{% set neighbour_share =
    '4.0 * (nf.rank_among_neighbours - 1) / (nf.neighbours_with_figure + 1)' %}

with values_ as (
    select * from {{ ref('int_benchmark_values') }}
),

indicators as (
    select * from {{ ref('stg_reference__indicators') }}
),

neighbours as (
    select * from {{ ref('int_benchmark_neighbours') }}
),

authorities as (
    select * from values_ where geographic_level = 'Local authority'
),

compared as (
    select a.*, i.better as polarity
    from authorities a
    join indicators i using (indicator_code)
    where i.kind <> 'count'
),

-- the rate each count is compared by, where one is mapped from the same published measure
rate_of_count as (
    select c.indicator_code, min(i.label) as rate_label
    from {{ ref('stg_reference__benchmark_measures') }} c
    join {{ ref('stg_reference__benchmark_measures') }} r
        on r.dataset = c.dataset and r.measure = c.measure and r.filters = c.filters
        and r.rate_per is not null and c.rate_per is null
    join indicators i on i.indicator_code = r.indicator_code
    group by c.indicator_code
),

-- one figure per old code and year (an old code is reused when an authority is remade)
authorities_by_old_code as (
    select *
    from compared
    where old_la_code is not null
    qualify row_number() over (
            partition by indicator_code, period_kind, year, old_la_code
            order by value is null, area_code desc
        ) = 1
),

england as (
    select * from values_ where geographic_level = 'National' and area_code = 'E92000001'
),

regions as (
    select * from values_ where geographic_level = 'Regional'
),

region_names as (
    select area_code as region_code, max(area_name) as region_name
    from {{ ref('int_benchmark_figures') }}
    where geographic_level = 'Regional'
    group by area_code
),

ranked as (
    select
        a.*,
        i.kind,
        i.better,
        case when a.value is not null and i.kind <> 'count' then rank() over (
                    partition by a.indicator_code, a.period_kind, a.year
                    order by case when i.better = 'down' then a.value else -a.value end nulls last
                )
        end as rank,
        case when i.kind <> 'count' then
                count(a.value) over (partition by a.indicator_code, a.period_kind, a.year)
        end as authorities_ranked
    from authorities a
    join indicators i using (indicator_code)
),

quartiled as (
    select
        *,
        -- least() skips nulls, so an authority without a rank must be kept out explicitly
        case when rank is not null then
                cast(least(4, floor(4.0 * (rank - 1) / authorities_ranked) + 1) as integer)
        end as quartile
    from ranked
),

models as (
    select distinct model from neighbours
),

-- every loaded model; a null model when none is loaded, so the other comparisons still show
model_choice as (
    select model from models
    union all
    select cast(null as varchar) as model where not exists (select 1 from models)
),

neighbour_figures as (
    select
        a.indicator_code,
        a.period_kind,
        a.year,
        a.area_code,
        n.model,
        count(*) as neighbours_in_model,
        count(v.value) as neighbours_with_figure,
        avg(v.value) as neighbour_mean,
        median(v.value) as neighbour_median,
        -- the authority among its neighbours, ranked the same way as among all authorities
        1 + count(v.value) filter (
            where (a.polarity = 'down' and v.value < a.value)
            or (a.polarity <> 'down' and v.value > a.value)
        ) as rank_among_neighbours
    from compared a
    join neighbours n on n.area_old_code = a.old_la_code
    left join authorities_by_old_code v
        on v.old_la_code = n.neighbour_old_code
        and v.indicator_code = a.indicator_code
        and v.period_kind = a.period_kind
        and v.year = a.year
    group by all
)

select
    r.indicator_code,
    r.kind,
    r.area_code,
    r.area_name,
    r.old_la_code as area_old_code,
    r.region_code,
    rn.region_name,
    r.period_kind,
    r.year,
    r.financial_year,
    r.period_in_words,
    r.value as area_value,
    r.symbol as area_symbol,
    r.no_figure_reason as area_no_figure_reason,
    r.is_rate_from_count,
    r.published_count as area_published_count,
    r.children_0_17 as area_children_0_17,
    r.population_mid_year,
    r.population_carried_forward,
    e.value as england_value,
    e.symbol as england_symbol,
    e.no_figure_reason as england_no_figure_reason,
    g.value as region_value,
    g.symbol as region_symbol,
    g.no_figure_reason as region_no_figure_reason,
    m.model as neighbour_model,
    coalesce(nf.neighbours_in_model, 0) as neighbours_in_model,
    coalesce(nf.neighbours_with_figure, 0) as neighbours_with_figure,
    coalesce(nf.neighbours_in_model - nf.neighbours_with_figure, 0) as neighbours_without_figure,
    round(nf.neighbour_mean, 1) as neighbour_mean,
    round(nf.neighbour_median, 1) as neighbour_median,
    case
        when r.kind = 'count'
            then
                'A count is not compared with statistical neighbours: it mostly says how many '
                || 'children live in an area.'
                || coalesce(' The rate "' || rc.rate_label || '" is compared instead.', '')
        when m.model is null
            then
                'No statistical-neighbour model has been imported (pqa benchmarks neighbours).'
        when nf.neighbours_in_model is null
            then
                'The authority is not in the ' || m.model || ' statistical-neighbour model.'
        else
            'Mean and median of the published figures of the authority''s '
            || nf.neighbours_in_model || ' statistical neighbours in the Department for '
            || 'Education''s ' || m.model || ' model, each counted once; '
            || case nf.neighbours_in_model - nf.neighbours_with_figure
                when 0 then 'every neighbour has a figure.'
                when 1 then '1 neighbour has no published figure and is left out.'
                else (nf.neighbours_in_model - nf.neighbours_with_figure)
                    || ' neighbours have no published figure and are left out.'
            end
    end as neighbour_method,
    case when r.value is not null and nf.neighbours_with_figure > 0
            then nf.rank_among_neighbours
    end as rank_among_neighbours,
    case when r.value is not null and nf.neighbours_with_figure > 0
            then nf.neighbours_with_figure + 1
    end as ranked_among_neighbours,
    case when r.value is not null and nf.neighbours_with_figure > 0
            then cast(least(4, floor({{ neighbour_share }}) + 1) as integer)
    end as quartile_among_neighbours,
    r.better,
    r.rank,
    r.authorities_ranked,
    r.quartile,
    case
        when r.kind = 'count'
            then 'Not ranked: a count mostly says how many children live in an area.'
                || coalesce(' See "' || rc.rate_label || '", which is ranked.', '')
        when r.rank is null then 'No published figure to rank.'
        else 'Ranked ' || r.rank || ' of ' || r.authorities_ranked || ' local authorities; '
            || case r.better
                when 'up' then '1 is the highest figure, and higher is better.'
                when 'down' then '1 is the lowest figure, and lower is better.'
                else '1 is the highest figure; neither higher nor lower is better in itself.'
            end
    end as rank_in_words,
    case
        -- a sentence beside the rank's, never a missing value on a screen
        when r.kind = 'count' then ''
        when r.rank is null then null
        when r.better in ('up', 'down')
            then
                [
                    'In the best quarter of local authorities.',
                    'In the second-best quarter of local authorities.',
                    'In the second-worst quarter of local authorities.',
                    'In the worst quarter of local authorities.'
                ][r.quartile
                ]
        else
            [
                'Among the highest quarter of local authorities',
                'In the second-highest quarter of local authorities',
                'In the second-lowest quarter of local authorities',
                'Among the lowest quarter of local authorities'
            ][r.quartile
            ]
            || ' (neither higher nor lower is better in itself).'
    end as quartile_in_words,
    r.unit,
    r.note,
    r.dataset,
    r.measure,
    r.source_file,
    r.source_imported_at
from quartiled r
cross join model_choice m
left join neighbour_figures nf
    on nf.indicator_code = r.indicator_code
    and nf.period_kind = r.period_kind
    and nf.year = r.year
    and nf.area_code = r.area_code
    and nf.model = m.model
left join england e
    on e.indicator_code = r.indicator_code
    and e.period_kind = r.period_kind
    and e.year = r.year
left join regions g
    on g.indicator_code = r.indicator_code
    and g.period_kind = r.period_kind
    and g.year = r.year
    and g.area_code = r.region_code
left join region_names rn on rn.region_code = r.region_code
left join rate_of_count rc on rc.indicator_code = r.indicator_code
