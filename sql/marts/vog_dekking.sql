-- Structural supervisors with a certificate of conduct (VOG) that is valid at the end of the period:
-- issued on or before that day and not before :vog_valid_from (the configured maximum age).
-- Supervisors belong to an organisation, not to a village: coalition only. `units`: the organisations
-- in the register, what `min_organisations` is compared with.
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        NULL AS area,
        NULL AS school,
        organisation,
        CASE WHEN vog_date <= :period_end AND vog_date >= :vog_valid_from THEN 1 ELSE 0 END AS is_covered
    FROM {{ ref('stg_supervisors') }}
    WHERE is_structural = 1
)

SELECT
    scope_id,
    COALESCE(SUM(is_covered), 0) AS numerator,
    COUNT(source_row) AS denominator,
    CAST(SUM(is_covered) AS DOUBLE PRECISION) / NULLIF(COUNT(source_row), 0) AS value,
    COUNT(DISTINCT organisation) AS units
FROM population_in_scope
GROUP BY scope_id
