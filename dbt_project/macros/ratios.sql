{# A proportion, rate or mean made from a numerator and a denominator, multiplied by the
   indicator kind's scale and rounded to the published precision (one decimal place). The
   scale is the same as SCALE in pipeline/core/catalogue.py (tests/test_scales.py checks). #}
{% macro scaled_ratio(kind, numerator, denominator) -%}
    round(
        case {{ kind }} when 'proportion' then 100 when 'rate_per_10k' then 10000 else 1 end
        * ({{ numerator }}) / nullif({{ denominator }}, 0),
        1)
{%- endmacro %}

{# The change from an earlier value, and that change as a percentage of the earlier value.
   Null when either value is missing (or, for the percentage, the earlier value is zero). #}
{% macro change(value, earlier) -%}
    round(({{ value }}) - ({{ earlier }}), 1)
{%- endmacro %}

{% macro change_pct(value, earlier) -%}
    round(100.0 * (({{ value }}) - ({{ earlier }})) / nullif({{ earlier }}, 0), 1)
{%- endmacro %}
