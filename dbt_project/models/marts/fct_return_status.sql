-- Which returns have come in: one row per agency, area and ended quarter.
--   received: a return counts for the quarter and came in by its due date
--   late:     a return counts but the first one came in after the due date
--   missing:  the due date has passed and nothing has come in
--   awaited:  the quarter has ended but its return is not yet due
-- Returns loaded when the product started (due before the first load of all) cannot be judged
-- late: the history was back-loaded, so they count as received.
with submissions as (
    select * from {{ ref('int_submissions') }}
),

queries as (
    select * from {{ ref('stg_returns__validation_queries') }}
),

quarters as (
    select * from {{ ref('int_quarters') }} where has_ended
),

sending_agencies as (
    select distinct agency from {{ ref('stg_reference__indicators') }}
),

areas as (
    select distinct area_code from submissions
),

first_load as (
    select cast(min(loaded_at) as date) as first_load_date from submissions
),

per_quarter as (
    select
        agency,
        area_code,
        period_index,
        count(*) as submissions,
        min(loaded_at) as first_loaded_at,
        max(submission_id) filter (where is_current) as submission_id
    from submissions
    group by agency, area_code, period_index
),

query_summary as (
    select
        submission_id,
        count(*) as validation_queries,
        string_agg(rule_code || ': ' || message, chr(10) order by source_row, rule_code)
            as validation_query_messages
    from queries
    group by submission_id
)

select
    g.agency,
    a.area_code,
    q.period,
    q.period_end,
    q.return_due_date,
    case
        when p.submission_id is null and {{ as_of_date() }} > q.return_due_date then 'missing'
        when p.submission_id is null then 'awaited'
        when cast(p.first_loaded_at as date) > q.return_due_date
            and q.return_due_date >= f.first_load_date then 'late'
        else 'received'
    end as status,
    p.submission_id,
    s.file_name,
    s.loaded_at,
    s.loaded_by,
    coalesce(p.submissions, 0) as submissions,
    coalesce(p.submissions, 0) > 1 as was_corrected,
    coalesce(qs.validation_queries, 0) as validation_queries,
    qs.validation_query_messages
from sending_agencies g
cross join areas a
cross join quarters q
cross join first_load f
left join per_quarter p
    on p.agency = g.agency and p.area_code = a.area_code and p.period_index = q.period_index
left join submissions s on s.submission_id = p.submission_id
left join query_summary qs on qs.submission_id = p.submission_id
