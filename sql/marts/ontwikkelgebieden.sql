-- Development areas covered: the plan's development areas (the configuration's `development_areas`, as
-- seed_development_areas) among the themes of the period's sessions, out of that list. Other themes of the
-- catalogue (Beroepen en ondernemen) count for the theme mix, not here.
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
    population_in_scope.scope,
    population_in_scope.scope_name,
    COUNT(DISTINCT development_areas.development_area) AS numerator,
    (SELECT COUNT(*) FROM {{ ref('seed_development_areas') }}) AS denominator,
    CASE
        WHEN COUNT(population_in_scope.source_row) > 0
            THEN COUNT(DISTINCT development_areas.development_area)
    END AS value
FROM population_in_scope
LEFT JOIN {{ ref('seed_development_areas') }} AS development_areas
    ON population_in_scope.theme = development_areas.development_area
GROUP BY population_in_scope.scope, population_in_scope.scope_name
