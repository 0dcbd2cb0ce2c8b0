-- The agencies' own commentary from the returns that count: each note about one indicator,
-- and one narrative per agency, area and quarter that gathers that return's notes in the
-- order of their indicators' labels (the text stays exactly as typed; readers escape it).
with figures as (
    select * from {{ ref('int_current_figures') }}
    where nullif(trim(notes), '') is not null
),

indicators as (
    select
        indicator_code,
        label
    from {{ ref('stg_reference__indicators') }}
),

submissions as (
    select
        submission_id,
        file_name
    from {{ ref('stg_returns__submissions') }}
),

notes as (
    select
        f.agency,
        f.area_code,
        f.period,
        f.indicator_code,
        i.label,
        f.submission_id,
        s.file_name,
        trim(f.notes) as commentary
    from figures f
    inner join indicators i using (indicator_code)
    inner join submissions s using (submission_id)
),

narratives as (
    select
        agency,
        area_code,
        period,
        cast(null as varchar) as indicator_code,
        cast(null as varchar) as label,
        'return' as commentary_about,
        min(submission_id) as submission_id,
        min(file_name) as file_name,
        string_agg(label || ': ' || commentary, chr(10) order by label) as commentary
    from notes
    group by agency, area_code, period
)

select
    agency,
    area_code,
    period,
    indicator_code,
    label,
    'indicator' as commentary_about,
    submission_id,
    file_name,
    commentary
from notes
union all
select
    agency,
    area_code,
    period,
    indicator_code,
    label,
    commentary_about,
    submission_id,
    file_name,
    commentary
from narratives
