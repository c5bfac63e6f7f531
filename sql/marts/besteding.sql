-- NPO spending from the programme's start to the end of the period, as a share of the budget
-- (the wijk's, or for the coalition all wijken's together); as the variants `punt_1` .. `punt_4`
-- the share of the same budget spent on each Bestedingspunt. `units`: the bookings, what
-- `min_organisations` is compared with (the ledger names no organisation).
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        NULL AS school,
        'punt_' || CAST(spending_point AS VARCHAR(2)) AS variant,
        amount
    FROM {{ ref('stg_spending') }}
    WHERE booking_date <= :period_end
)

SELECT
    scope_id,
    NULL AS variant,
    COALESCE(ROUND(SUM(amount), 2), 0) AS numerator,
    MAX(budget) AS denominator,
    CAST(ROUND(SUM(amount), 2) AS DOUBLE PRECISION) / NULLIF(MAX(budget), 0) AS value,
    COUNT(source_row) AS units
FROM population_in_scope
GROUP BY scope_id

UNION ALL

SELECT
    scope_id,
    variant,
    ROUND(SUM(amount), 2) AS numerator,
    MAX(budget) AS denominator,
    CAST(ROUND(SUM(amount), 2) AS DOUBLE PRECISION) / NULLIF(MAX(budget), 0) AS value,
    COUNT(source_row) AS units
FROM population_in_scope
WHERE variant IS NOT NULL
GROUP BY scope_id, variant
