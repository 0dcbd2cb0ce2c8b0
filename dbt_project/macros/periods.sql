{# Financial-year quarters are written '2024-25 Q3' (Q1 = April to June). A quarter's index
   counts quarters from year 0, so consecutive quarters have consecutive indexes and the same
   quarter last year is index - 4. #}

{% macro period_index(period) -%}
    (cast(left({{ period }}, 4) as integer) * 4 + cast(right({{ period }}, 1) as integer) - 1)
{%- endmacro %}

{% macro period_from_index(index) -%}
    printf('%d-%02d Q%d', ({{ index }}) // 4, (({{ index }}) // 4 + 1) % 100, ({{ index }}) % 4 + 1)
{%- endmacro %}

{% macro period_start(index) -%}
    cast(make_date(({{ index }}) // 4, 4, 1) + to_months(3 * (({{ index }}) % 4)) as date)
{%- endmacro %}

{% macro period_end(index) -%}
    cast({{ period_start(index) }} + interval 3 month - interval 1 day as date)
{%- endmacro %}

{% macro financial_year(index) -%}
    printf('%d-%02d', ({{ index }}) // 4, (({{ index }}) // 4 + 1) % 100)
{%- endmacro %}

{% macro as_of_date() -%}
    cast('{{ var("as_of_date") }}' as date)
{%- endmacro %}

{# The index of the quarter a date falls in (April starts Q1). #}
{% macro quarter_index_of(day) -%}
    ((year({{ day }}) - case when month({{ day }}) < 4 then 1 else 0 end) * 4
     + ((month({{ day }}) + 8) % 12) // 3)
{%- endmacro %}
