-- Turnout: registrations with the child present, among all registrations of the period.
WITH population AS (
    SELECT
        delivery_id,
        source_row,
        area,
        school,
        is_present
    FROM {{ ref('stg_attendance') }}
    WHERE period = :period
)

SELECT
    scope,
    scope_name,
    COALESCE(SUM(is_present), 0) AS numerator,
    COUNT(source_row) AS denominator,
    CAST(SUM(is_present) AS DOUBLE PRECISION) / NULLIF(COUNT(source_row), 0) AS value
FROM population_in_scope
GROUP BY scope, scope_name
