-- Turnout: registrations with the child present, among all registrations of the period. `population` is the
-- attendance rows themselves (what `kansenmonitor explain` lists); the sums read them as the database keeps
-- them counted per child, school and village (`stg_attendance_per_child`), each such row once for all its
-- scopes.
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

children AS (
    SELECT
        coalition,
        area,
        school,
        registrations,
        presences
    FROM {{ ref('stg_attendance_per_child') }}
    WHERE period = :period
),

per_scope AS (
    {% call(key, groups) grouped_by_scope(scopes, dialect) %}
    SELECT
        {{ key }} AS scope_key,
        SUM(presences) AS present,
        SUM(registrations) AS registrations
    FROM children
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
