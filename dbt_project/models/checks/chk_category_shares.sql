-- Shares that divide one total into categories (the catalogue's `part_of`, such as child
-- protection plans by category of harm), added up per area and quarter where every category
-- was returned. The suite expectations/category_shares.json expects about 100.
with indicators as (
    select * from {{ ref('stg_reference__indicators') }}
),

-- a share is a percentage whose numerator is part of its denominator
shares as (
    select
        share.indicator_code,
        share.denominator_code as total_code
    from indicators share
    join indicators part on part.indicator_code = share.numerator_code
    where share.kind = 'proportion' and part.part_of = share.denominator_code
),

categories as (
    select total_code, count(*) as categories from shares group by total_code
)

select
    q.area_code,
    s.total_code,
    q.period,
    count(q.value) as categories_returned,
    round(sum(q.value), 1) as share_total
from {{ ref('fct_indicator_quarterly') }} q
join shares s using (indicator_code)
join categories c using (total_code)
group by q.area_code, s.total_code, q.period, c.categories
having count(q.value) = c.categories
