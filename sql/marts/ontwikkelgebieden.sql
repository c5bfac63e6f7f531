-- Development areas covered: distinct themes of the sessions in the period, out of the
-- :catalogue_size themes in the configuration's catalogue.
WITH population AS (
    SELECT
        delivery_id,
        source_row,
        area,
        NULL AS school,
        theme_1 AS theme
    FROM {{ ref('stg_sessions') }}
    WHERE period = :period
    UNION ALL
    SELECT
        delivery_id,
        source_row,
        area,
        NULL AS school,
        theme_2 AS theme
    FROM {{ ref('stg_sessions') }}
    WHERE period = :period
        AND theme_2 IS NOT NULL
)

SELECT
    scope,
    scope_name,
    COUNT(DISTINCT theme) AS numerator,
    :catalogue_size AS denominator,
    CASE WHEN COUNT(source_row) > 0 THEN COUNT(DISTINCT theme) END AS value
FROM population_in_scope
GROUP BY scope, scope_name
