{#- How marts aggregate `population` per scope (dbt-style macros, available in every model). `scopes` and `dialect`
    are the model's own (the composer gives them). `variant`: left out (no variant column), none (the mart's main
    rows) or the variant's name. -#}

{% macro variant_column(variant) -%}
    {%- if variant is none %}NULL AS variant,{% elif variant %}'{{ variant }}' AS variant,{% endif -%}
{%- endmacro %}

{#- numerator: the sum of `summed` (flags 1/0 or ratings); denominator: the rows; value: their ratio, so a share of
    flagged rows or a mean rating. No rows, no value. With `units`, also how many distinct units (organisations)
    the figure rests on. Every row is read once for all its scopes (`grouped_by_scope`). -#}
{% macro ratio_per_scope(summed, scopes, dialect, variant='', units=none) %}
SELECT
    scopes.scope_id,
    {{ variant_column(variant) }}
    COALESCE(per_scope.summed, 0) AS numerator,
    COALESCE(per_scope.counted, 0) AS denominator,
    CAST(per_scope.summed AS DOUBLE PRECISION) / NULLIF(per_scope.counted, 0) AS value{% if units %},
    COALESCE(per_scope.units, 0) AS units{% endif %}
FROM seed_scopes AS scopes
LEFT JOIN ({{ population_per_scope(scopes, dialect, summed, units) }}) AS per_scope
    ON scopes.scope_key = per_scope.scope_key
WHERE scopes.scope IN ('{{ scopes | join("', '") }}')
{% endmacro %}

{#- value: the number of flagged rows; with zero_when_empty a scope without rows counts 0 instead of no value. -#}
{% macro count_per_scope(flag, scopes, dialect, zero_when_empty=false) %}
SELECT
    scopes.scope_id,
    COALESCE(per_scope.summed, 0) AS numerator,
    COALESCE(per_scope.counted, 0) AS denominator,
    {% if zero_when_empty %}COALESCE(per_scope.summed, 0){% else %}per_scope.summed{% endif %} AS value
FROM seed_scopes AS scopes
LEFT JOIN ({{ population_per_scope(scopes, dialect, flag) }}) AS per_scope
    ON scopes.scope_key = per_scope.scope_key
WHERE scopes.scope IN ('{{ scopes | join("', '") }}')
{% endmacro %}

{#- Per scope key: `summed` summed, the rows counted, and with `units` the distinct units. -#}
{% macro population_per_scope(scopes, dialect, summed, units=none) %}{% call(key, groups) grouped_by_scope(scopes, dialect) %}SELECT {{ key }} AS scope_key, SUM({{ summed }}) AS summed, COUNT(source_row) AS counted{% if units %}, COUNT(DISTINCT {{ units }}) AS units{% endif %} FROM population GROUP BY {{ groups }}{% endcall %}{% endmacro %}

{#- The scope key (as `seed_scopes.scope_key`) of a row grouped for one kind of scope. -#}
{% macro scope_key(scope) %}'{{ scope }}/' || coalition || '/'{% if scope != 'coalition' %} || {{ scope }}{% endif %}{% endmacro %}

{#- The columns a row is grouped by for one kind of scope: its coalition, the area or school, and `columns`. -#}
{% macro scope_group(scope, columns) %}coalition{% if scope != 'coalition' %}, {{ scope }}{% endif %}{% for column in columns %}, {{ column }}{% endfor %}{% endmacro %}

{#- The scope key of a row grouped by GROUPING SETS over `scopes`: the kind of scope whose column it is grouped by. -#}
{% macro scope_key_of_set(scopes) %}CASE{% for scope in scopes if scope != 'coalition' %} WHEN GROUPING({{ scope }}) = 0 THEN {{ scope_key(scope) }}{% endfor %} ELSE {{ scope_key('coalition') }} END{% endmacro %}

{#- One grouping set per kind of scope. -#}
{% macro scope_sets(scopes, columns) %}GROUPING SETS ({% for scope in scopes %}({{ scope_group(scope, columns) }}){% if not loop.last %}, {% endif %}{% endfor %}){% endmacro %}

{#- `population` aggregated for every kind of scope the mart reports (`scopes`, coalition among them) in one pass:
    the call block is the SELECT, given `key` (the scope key, a column expression) and `groups` (what follows
    GROUP BY), grouping by `columns` too within each scope. PostgreSQL reads the rows once and groups them with
    GROUPING SETS; SQLite, which has none, gets one grouping per kind of scope, joined by UNION ALL. Rows keep
    their scope key, which `seed_scopes` joins on. The composer gives every model `scopes` and `dialect`. -#}
{% macro grouped_by_scope(scopes, dialect, columns=[]) %}{% if dialect == 'postgres' and scopes | length > 1 %}{{ caller(scope_key_of_set(scopes), scope_sets(scopes, columns)) }}{% else %}{% for scope in scopes %}{{ caller(scope_key(scope), scope_group(scope, columns)) }}{% if not loop.last %} UNION ALL {% endif %}{% endfor %}{% endif %}{% endmacro %}
