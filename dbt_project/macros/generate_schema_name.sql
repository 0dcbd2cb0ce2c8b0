{# Use the schema names as written (staging, intermediate, marts, reference) rather than
   dbt's default of prefixing them with the target schema. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name else target.schema }}
{%- endmacro %}
