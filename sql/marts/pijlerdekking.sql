-- Pillar coverage (NPO): the pillars a wijk chose (seed_area_pillars, from the configuration) that at
-- least one action reported in the period serves, out of the chosen pillars; for the coalition, the
-- wijken's chosen pillars together. A pillar the wijk did not choose covers nothing; without any
-- action that names a pillar there is no figure.
WITH population AS (
    SELECT
        responses.coalition,
        responses.delivery_id,
        responses.source_row,
        responses.area,
        NULL AS school,
        CASE WHEN chosen.pillar IS NOT NULL THEN responses.area || ' / ' || responses.pillar END AS covered_pillar
    FROM {{ ref('stg_partner_responses') }} AS responses
    LEFT JOIN {{ ref('seed_area_pillars') }} AS chosen
        ON responses.coalition = chosen.coalition
            AND responses.area = chosen.area
            AND responses.pillar = chosen.pillar
    WHERE responses.period = :period
        AND responses.pillar IS NOT NULL
),

chosen_in_scope AS (
    SELECT
        seed_scopes.scope_id,
        COUNT(seed_area_pillars.pillar) AS chosen_pillars
    FROM {{ ref('seed_scopes') }}
    LEFT JOIN {{ ref('seed_area_pillars') }}
        ON seed_scopes.coalition = seed_area_pillars.coalition
            AND (seed_scopes.area IS NULL OR seed_scopes.area = seed_area_pillars.area)
    GROUP BY seed_scopes.scope_id
)

SELECT
    population_in_scope.scope_id,
    COUNT(DISTINCT population_in_scope.covered_pillar) AS numerator,
    chosen_in_scope.chosen_pillars AS denominator,
    CASE WHEN COUNT(population_in_scope.source_row) > 0 AND chosen_in_scope.chosen_pillars > 0
            THEN CAST(COUNT(DISTINCT population_in_scope.covered_pillar) AS DOUBLE PRECISION)
                / chosen_in_scope.chosen_pillars
    END AS value
FROM population_in_scope
INNER JOIN chosen_in_scope
    ON population_in_scope.scope_id = chosen_in_scope.scope_id
GROUP BY population_in_scope.scope_id, chosen_in_scope.chosen_pillars
