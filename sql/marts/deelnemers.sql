-- Children present at least once in the period, among the children registered; per village where
-- the sessions took place and per child's school. Counted per child first, so the distinct children
-- are a grouping every database can hash rather than a COUNT(DISTINCT) per scope.
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

children_in_scope AS (
    SELECT
        scope_id,
        pupil,
        MAX(is_present) AS was_present,
        COUNT(source_row) AS registrations
    FROM population_in_scope
    GROUP BY scope_id, pupil
)

SELECT
    scope_id,
    COUNT(CASE WHEN was_present = 1 THEN pupil END) AS numerator,
    COUNT(pupil) AS denominator,
    CASE WHEN SUM(registrations) > 0 THEN COUNT(CASE WHEN was_present = 1 THEN pupil END) END AS value
FROM children_in_scope
GROUP BY scope_id
