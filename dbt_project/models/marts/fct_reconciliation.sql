-- Each complete financial year of the partnership's own figures beside the figure the
-- Department for Education published for the same area and year (its "year ending 31 March"),
-- for the indicators whose published figure counts the same thing (the mapping's
-- `reconcile`). The difference is local minus published; it is within tolerance when it is no
-- more than the mapping's tolerance, in percent of the published figure or in points (the
-- indicator's own units, percentage points for a percentage). Local returns are provisional
-- and counted on local systems, so a difference is a question for the agency, not an error.
with annual as (
    select * from {{ ref('fct_indicator_annual') }} where is_complete
),

measures as (
    select * from {{ ref('stg_reference__benchmark_measures') }} where is_reconciled
),

published as (
    select * from {{ ref('int_benchmark_values') }}
    where geographic_level = 'Local authority' and period_kind = 'financial_year'
        and is_reconciled
),

-- how far the imported statistics run for each indicator, to say when a year is not out yet
published_years as (
    select indicator_code, max(financial_year) as latest_published_year
    from {{ ref('int_benchmark_values') }}
    where period_kind = 'financial_year'
    group by indicator_code
),

indicators as (
    select * from {{ ref('stg_reference__indicators') }}
),

agencies as (
    select * from {{ ref('stg_reference__agencies') }}
),

areas as (
    select * from {{ ref('stg_reference__areas') }}
),

compared as (
    select
        a.area_code,
        ar.area_name,
        a.indicator_code,
        i.label,
        i.kind,
        i.agency,
        g.agency_name,
        a.financial_year,
        a.value as local_value,
        p.value as published_value,
        p.symbol as published_symbol,
        p.no_figure_reason as published_no_figure_reason,
        p.period_in_words as published_period_in_words,
        py.latest_published_year,
        m.tolerance,
        m.tolerance_in,
        m.note,
        p.dataset,
        p.source_file,
        p.source_imported_at,
        a.value - p.value as raw_difference
    from annual a
    join measures m using (indicator_code)
    join indicators i using (indicator_code)
    join agencies g on g.agency = i.agency
    left join areas ar on ar.area_code = a.area_code
    left join published p
        on p.indicator_code = a.indicator_code
        and p.area_code = a.area_code
        and p.financial_year = a.financial_year
    join published_years py on py.indicator_code = a.indicator_code
),

judged as (
    select
        *,
        {{ change('local_value', 'published_value') }} as difference,
        {{ change_pct('local_value', 'published_value') }} as difference_pct,
        case
            when published_value is null or local_value is null then null
            when tolerance_in = 'points' then abs(raw_difference) <= tolerance + 1e-9
            else abs(raw_difference) <= tolerance / 100.0 * abs(published_value) + 1e-9
        end as within_tolerance,
        case tolerance_in
            when 'points'
                then
                    {{ show_figure('tolerance') }}
                    || case when kind = 'proportion' then ' percentage point' else ' point' end
                    || case when tolerance = 1 then '' else 's' end
            else {{ show_figure('tolerance') }} || '% of the published figure'
        end as tolerance_in_words,
        case when kind = 'proportion' then '%' else '' end as unit_sign
    from compared
)

select
    area_code,
    area_name,
    indicator_code,
    label,
    agency,
    financial_year,
    local_value,
    published_value,
    published_symbol,
    published_period_in_words,
    difference,
    difference_pct,
    tolerance,
    tolerance_in,
    tolerance_in_words,
    within_tolerance,
    case
        when within_tolerance then 'within tolerance'
        when not within_tolerance then 'outside tolerance'
        when published_symbol is not null then 'published without a figure'
        else 'not published'
    end as comparison,
    label || ', ' || financial_year || ': '
    || case
        when published_value is not null
            then
                'the partnership''s own figure is ' || {{ show_figure('local_value') }} || unit_sign
                || ' and the Department for Education published '
                || {{ show_figure('published_value') }} || unit_sign || ' for '
                || published_period_in_words
                || '. The difference is ' || {{ show_figure('difference', signed=true) }}
                || case when kind = 'proportion' then ' percentage points' else '' end
                || coalesce(
                    ' (' || {{ show_figure('difference_pct', signed=true) }}
                    || '% of the published figure)', ''
                )
                || case when within_tolerance
                        then ', within the ' || tolerance_in_words
                            || ' allowed.'
                    else ', more than the ' || tolerance_in_words || ' allowed: ask '
                        || lower(agency_name) || ' to explain the difference.'
                end
        when published_symbol is not null
            then
                'the Department for Education published no figure for ' || published_period_in_words
                || ' (' || published_no_figure_reason || '), so the two cannot be compared.'
        when latest_published_year is null or financial_year > latest_published_year
            then
                'no published figure for this year has been imported yet (the imported statistics '
                || coalesce('run to ' || latest_published_year, 'are not loaded') || ').'
        else
            'the imported statistics have no figure for this area and year.'
    end as explanation,
    note,
    dataset,
    source_file,
    source_imported_at
from judged
