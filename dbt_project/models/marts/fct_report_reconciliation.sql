-- Every figure of the partnership's yearly report (seeds/yearly_report.csv) beside the same
-- financial year made from the returns (fct_indicator_annual): reproduced when the two agree
-- to the report's precision, otherwise the difference with the reason, so every cell of the
-- report is either reproduced or explained. A report row that mixes two measures is mapped
-- year by year to the one each figure matches, and the row says so.
with report as (
    select * from {{ ref('yearly_report') }}
),

annual as (
    select * from {{ ref('fct_indicator_annual') }}
),

indicators as (
    select * from {{ ref('stg_reference__indicators') }}
),

compared as (
    select
        r.area_code,
        r.report_row,
        r.financial_year,
        r.indicator_code,
        i.label,
        i.kind,
        r.published_value as report_value,
        a.value as local_value,
        round(a.value - r.published_value, 1) as difference,
        coalesce(abs(a.value - r.published_value) < 0.05, false) as is_reproduced,
        nullif(r.note, '') as note,
        count(distinct r.indicator_code) over (partition by r.area_code, r.report_row)
        > 1 as mixes_measures
    from report r
    join indicators i using (indicator_code)
    left join annual a
        on a.area_code = r.area_code
        and a.indicator_code = r.indicator_code
        and a.financial_year = r.financial_year
)

select
    *,
    case when is_reproduced then 'reproduced'
        when local_value is null then 'no figure from the returns'
        else 'differs'
    end as comparison,
    case
        when is_reproduced and note is null then 'Reproduced from the returns.'
        when is_reproduced then 'Reproduced from the returns. ' || note
        when local_value is null
            then 'The returns give no figure for the year. ' || coalesce(note, '')
        else 'The returns give ' || {{ show_figure('local_value') }} || ', the report '
            || {{ show_figure('report_value') }} || ' (' || {{ show_figure('difference', true) }}
            || '). ' || coalesce(note, 'No reason is known: ask the agency.')
    end as explanation
from compared
