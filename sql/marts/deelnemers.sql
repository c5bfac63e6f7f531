-- Children present at least once in the period, among the children registered; per village where
-- the sessions took place and per child's school.
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
)

SELECT
    scope_id,
    COUNT(DISTINCT CASE WHEN is_present = 1 THEN pupil END) AS numerator,
    COUNT(DISTINCT pupil) AS denominator,
    CASE WHEN COUNT(source_row) > 0 THEN COUNT(DISTINCT CASE WHEN is_present = 1 THEN pupil END) END AS value
FROM population_in_scope
GROUP BY scope_id
