-- Development areas covered: the plan's development areas (the configuration's `development_areas`, as
-- seed_development_areas) among the themes of the period's sessions, out of that list. Other themes of the
-- catalogue (Beroepen en ondernemen) count for the theme mix, not here.
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        NULL AS school,
        theme_1 AS theme
    FROM {{ ref('stg_sessions') }}
    WHERE period = :period
    UNION ALL
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        NULL AS school,
        theme_2 AS theme
    FROM {{ ref('stg_sessions') }}
    WHERE period = :period
        AND theme_2 IS NOT NULL
),

listed_in_scope AS (
    SELECT
        seed_scopes.scope_id,
        COUNT(development_areas.development_area) AS listed
    FROM {{ ref('seed_scopes') }}
    LEFT JOIN {{ ref('seed_development_areas') }} AS development_areas
        ON seed_scopes.coalition = development_areas.coalition
    GROUP BY seed_scopes.scope_id
)

SELECT
    population_in_scope.scope_id,
    COUNT(DISTINCT development_areas.development_area) AS numerator,
    listed_in_scope.listed AS denominator,
    CASE
        WHEN COUNT(population_in_scope.source_row) > 0
            THEN COUNT(DISTINCT development_areas.development_area)
    END AS value
FROM population_in_scope
INNER JOIN listed_in_scope
    ON population_in_scope.scope_id = listed_in_scope.scope_id
LEFT JOIN {{ ref('seed_development_areas') }} AS development_areas
    ON population_in_scope.coalition = development_areas.coalition
        AND population_in_scope.theme = development_areas.development_area
GROUP BY population_in_scope.scope_id, listed_in_scope.listed
