-- Turnout: registrations with the child present, among all registrations of the period. Each row is
-- read once for all its scopes.
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        school,
        is_present
    FROM {{ ref('stg_attendance') }}
    WHERE period = :period
),

per_scope AS (
    {% call(key, groups) grouped_by_scope(scopes, dialect) %}
    SELECT
        {{ key }} AS scope_key,
        SUM(is_present) AS present,
        COUNT(source_row) AS registrations
    FROM population
    GROUP BY {{ groups }}
    {% endcall %}
)

SELECT
    scopes.scope_id,
    COALESCE(per_scope.present, 0) AS numerator,
    COALESCE(per_scope.registrations, 0) AS denominator,
    CAST(per_scope.present AS DOUBLE PRECISION) / NULLIF(per_scope.registrations, 0) AS value
FROM {{ ref('seed_scopes') }} AS scopes
LEFT JOIN per_scope
    ON scopes.scope_key = per_scope.scope_key
WHERE scopes.scope IN ('{{ scopes | join("', '") }}')
