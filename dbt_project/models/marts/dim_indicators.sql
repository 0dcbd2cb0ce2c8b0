-- The indicator catalogue as the dashboard shows it, with polarity and kind in plain words.
with indicators as (
    select * from {{ ref('stg_reference__indicators') }}
),

agencies as (
    select * from {{ ref('stg_reference__agencies') }}
)

select
    i.indicator_code,
    i.label,
    i.definition,
    i.agency,
    a.agency_name,
    i.priority,
    i.kind,
    case i.kind
        when 'count' then 'a count'
        when 'proportion' then 'a percentage'
        when 'rate_per_10k' then 'a rate per 10,000 children aged 0 to 17'
        when 'duration' then 'an average time'
    end as kind_in_words,
    i.measured,
    case i.measured
        when 'flow' then 'events during the quarter'
        when 'snapshot' then 'on the last day of the quarter'
        when 'ytd' then 'so far this financial year'
    end as measured_in_words,
    i.annual_method,
    i.better,
    case i.better
        when 'up' then 'higher is better'
        when 'down' then 'lower is better'
        else 'neither higher nor lower is better in itself: a change is a question to ask'
    end as polarity_in_words,
    i.numerator_code,
    i.denominator_code,
    i.part_of,
    i.is_seasonal,
    i.pair_code,
    coalesce(i.benchmark_source, 'none known') as benchmark_source,
    i.is_ratio
from indicators i
join agencies a using (agency)
