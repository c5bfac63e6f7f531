{#- How marts aggregate `population_in_scope` per scope (dbt-style macros, available in every model). `variant`:
    left out (no variant column), none (the mart's main rows) or the variant's name. -#}

{% macro variant_column(variant) -%}
    {%- if variant is none %}NULL AS variant,{% elif variant %}'{{ variant }}' AS variant,{% endif -%}
{%- endmacro %}

{#- numerator: the sum of `summed` (flags 1/0 or ratings); denominator: the rows; value: their ratio, so a share of
    flagged rows or a mean rating. No rows, no value. With `units`, also how many distinct units (organisations)
    the figure rests on. -#}
{% macro ratio_per_scope(summed, variant='', units=none) %}
SELECT
    scope_id,
    {{ variant_column(variant) }}
    COALESCE(SUM({{ summed }}), 0) AS numerator,
    COUNT(source_row) AS denominator,
    CAST(SUM({{ summed }}) AS DOUBLE PRECISION) / NULLIF(COUNT(source_row), 0) AS value{% if units %},
    COUNT(DISTINCT {{ units }}) AS units{% endif %}
FROM population_in_scope
GROUP BY scope_id
{% endmacro %}

{#- value: the number of flagged rows; with zero_when_empty a scope without rows counts 0 instead of no value. -#}
{% macro count_per_scope(flag, zero_when_empty=false) %}
SELECT
    scope_id,
    COALESCE(SUM({{ flag }}), 0) AS numerator,
    COUNT(source_row) AS denominator,
    {% if zero_when_empty %}COALESCE(SUM({{ flag }}), 0){% else %}SUM({{ flag }}){% endif %} AS value
FROM population_in_scope
GROUP BY scope_id
{% endmacro %}
