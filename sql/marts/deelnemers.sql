-- Children present at least once in the period, among the children registered; per village where
-- the sessions took place and per child's school. `population` is the attendance rows themselves (what
-- `kansenmonitor explain` lists); the count reads them as the database keeps them counted per child, school
-- and village (`stg_attendance_per_child`), each such row once for all its scopes, and counts distinct children
-- by their numbers: integers, which a database sorts and compares far faster than pseudonyms.
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
        child_number,
        presences
    FROM {{ ref('stg_attendance_per_child') }}
    WHERE period = :period
),

per_scope AS (
    {% call(key, groups) grouped_by_scope(scopes, dialect) %}
    SELECT
        {{ key }} AS scope_key,
        COUNT(DISTINCT CASE WHEN presences > 0 THEN child_number END) AS present,
        COUNT(DISTINCT child_number) AS registered
    FROM children
    GROUP BY {{ groups }}
    {% endcall %}
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
