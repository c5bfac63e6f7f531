-- Villages or wijken whose distinct participants fell by more than :max_drop against the previous period.
-- No JOIN here, so Great Expectations aliases the batch itself.
WITH per_area AS (
    SELECT
        area,
        COUNT(DISTINCT CASE WHEN period = :previous THEN pupil END) AS n_previous,
        COUNT(DISTINCT CASE WHEN period = :period THEN pupil END) AS n_current
    FROM {{ batch }}
    GROUP BY area
)

SELECT
    area,
    n_previous,
    n_current
FROM per_area
WHERE n_previous >= :min_previous AND n_current < n_previous * (1 - :max_drop)
