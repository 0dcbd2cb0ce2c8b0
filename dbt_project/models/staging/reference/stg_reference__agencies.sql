with source as (
    select * from {{ ref('agencies') }}
)

select
    code as agency,
    name as agency_name,
    sends
from source
