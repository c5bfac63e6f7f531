-- Sessions that mix two different themes, among the sessions of the period.
WITH population AS (
    SELECT
        delivery_id,
        source_row,
        area,
        NULL AS school,
        CASE WHEN theme_2 IS NOT NULL AND theme_2 <> theme_1 THEN 1 ELSE 0 END AS mixes_two_themes
    FROM {{ ref('stg_sessions') }}
    WHERE period = :period
)

SELECT
    scope,
    scope_name,
    COALESCE(SUM(mixes_two_themes), 0) AS numerator,
    COUNT(source_row) AS denominator,
    CAST(SUM(mixes_two_themes) AS DOUBLE PRECISION) / NULLIF(COUNT(source_row), 0) AS value
FROM population_in_scope
GROUP BY scope, scope_name
