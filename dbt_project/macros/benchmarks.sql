{# A figure as a person reads it in a sentence: whole numbers with thousands separators
   (5,229), others to one decimal place (46.7); with `signed`, a plus sign when above zero. #}
{% macro show_figure(value, signed=false) -%}
    (case when ({{ value }}) is null then null
        else {% if signed %}case when ({{ value }}) > 0 then '+' else '' end || {% endif %}
            case when ({{ value }}) = round({{ value }})
                then format('{:,}', cast(round({{ value }}) as bigint))
                else format('{:,.1f}', {{ value }})
            end
    end)
{%- endmacro %}
