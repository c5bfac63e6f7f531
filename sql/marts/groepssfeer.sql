-- Group atmosphere as supervisors and teachers rate it (1-5): the mean rating, and as the variant
-- `aandeel` the share of ratings of `good_from` or more (the plan: 4 or 5).
WITH population AS (
    SELECT
        delivery_id,
        source_row,
        area,
        NULL AS school,
        group_atmosphere,
        CASE WHEN group_atmosphere >= :good_from THEN 1 ELSE 0 END AS is_good
    FROM {{ ref('stg_staff_feedback') }}
    WHERE period = :period
)

SELECT
    scope,
    scope_name,
    NULL AS variant,
    COALESCE(SUM(group_atmosphere), 0) AS numerator,
    COUNT(source_row) AS denominator,
    CAST(SUM(group_atmosphere) AS DOUBLE PRECISION) / NULLIF(COUNT(source_row), 0) AS value
FROM population_in_scope
GROUP BY scope, scope_name

UNION ALL

SELECT
    scope,
    scope_name,
    'aandeel' AS variant,
    COALESCE(SUM(is_good), 0) AS numerator,
    COUNT(source_row) AS denominator,
    CAST(SUM(is_good) AS DOUBLE PRECISION) / NULLIF(COUNT(source_row), 0) AS value
FROM population_in_scope
GROUP BY scope, scope_name
