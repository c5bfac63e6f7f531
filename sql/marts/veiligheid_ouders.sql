-- Parents who say their child feels safe: agreement of `safe_from` or more (the plan: 4 or 5) among those who answered.
WITH population AS (
    SELECT
        delivery_id,
        source_row,
        area,
        school,
        CASE WHEN feels_safe >= :safe_from THEN 1 ELSE 0 END AS feels_safe
    FROM {{ ref('stg_parent_responses') }}
    WHERE period = :period
        AND feels_safe IS NOT NULL
)

SELECT
    scope,
    scope_name,
    COALESCE(SUM(feels_safe), 0) AS numerator,
    COUNT(source_row) AS denominator,
    CAST(SUM(feels_safe) AS DOUBLE PRECISION) / NULLIF(COUNT(source_row), 0) AS value
FROM population_in_scope
GROUP BY scope, scope_name
