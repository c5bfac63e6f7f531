-- Progress of the actions as the partners report it (1 stagnates - 5 ahead of plan): the mean, and as
-- the variant `aandeel` the share of answers of `on_track_from` or more (the plan: 3). `units`: the
-- organisations that answered, what `min_organisations` is compared with.
WITH population AS (
    SELECT
        delivery_id,
        source_row,
        area,
        NULL AS school,
        organisation,
        progress,
        CASE WHEN progress >= :on_track_from THEN 1 ELSE 0 END AS is_on_track
    FROM {{ ref('stg_partner_responses') }}
    WHERE period = :period
)

SELECT
    scope,
    scope_name,
    NULL AS variant,
    COALESCE(SUM(progress), 0) AS numerator,
    COUNT(source_row) AS denominator,
    CAST(SUM(progress) AS DOUBLE PRECISION) / NULLIF(COUNT(source_row), 0) AS value,
    COUNT(DISTINCT organisation) AS units
FROM population_in_scope
GROUP BY scope, scope_name

UNION ALL

SELECT
    scope,
    scope_name,
    'aandeel' AS variant,
    COALESCE(SUM(is_on_track), 0) AS numerator,
    COUNT(source_row) AS denominator,
    CAST(SUM(is_on_track) AS DOUBLE PRECISION) / NULLIF(COUNT(source_row), 0) AS value,
    COUNT(DISTINCT organisation) AS units
FROM population_in_scope
GROUP BY scope, scope_name
