-- Children present at least once in the period, among the children registered; per village where
-- the sessions took place and per child's school. `population` is the attendance rows themselves (what
-- `kansenmonitor explain` lists); the count reads them as the database keeps them counted per child, school
-- and village (`stg_attendance_per_child`), each such row once for all its scopes (grouped per scope and
-- child in one pass), and the distinct children are a grouping every database can hash rather than a
-- COUNT(DISTINCT) per scope.
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        school,
        pupil,
        is_present
    FROM {{ ref('stg_attendance') }}
    WHERE period = :period
),

children AS (
    SELECT
        coalition,
        area,
        school,
        pupil,
        presences
    FROM {{ ref('stg_attendance_per_child') }}
    WHERE period = :period
),

children_in_scope AS (
    {% call(key, groups) grouped_by_scope(scopes, dialect, ['pupil']) %}
    SELECT
        {{ key }} AS scope_key,
        pupil,
        MAX(presences) AS presences
    FROM children
    GROUP BY {{ groups }}
    {% endcall %}
),

per_scope AS (
    SELECT
        scope_key,
        COUNT(CASE WHEN presences > 0 THEN pupil END) AS present,
        COUNT(pupil) AS registered
    FROM children_in_scope
    GROUP BY scope_key
)

SELECT
    scopes.scope_id,
    COALESCE(per_scope.present, 0) AS numerator,
    COALESCE(per_scope.registered, 0) AS denominator,
    per_scope.present AS value
FROM {{ ref('seed_scopes') }} AS scopes
LEFT JOIN per_scope
    ON scopes.scope_key = per_scope.scope_key
WHERE scopes.scope IN ('{{ scopes | join("', '") }}')
