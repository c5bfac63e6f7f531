-- Children who feel safe at the activities: "Ja" among the children who answered.
WITH population AS (
    SELECT
        delivery_id,
        source_row,
        area,
        school,
        CASE WHEN feels_safe = 'Ja' THEN 1 ELSE 0 END AS feels_safe
    FROM {{ ref('stg_child_responses') }}
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
