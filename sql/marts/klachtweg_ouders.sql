-- Parents who know where to complain: "Ja" among the parents who answered.
WITH population AS (
    SELECT
        delivery_id,
        source_row,
        area,
        school,
        CASE WHEN knows_where_to_complain = 'Ja' THEN 1 ELSE 0 END AS knows_where_to_complain
    FROM {{ ref('stg_parent_responses') }}
    WHERE period = :period
        AND knows_where_to_complain IS NOT NULL
)

SELECT
    scope,
    scope_name,
    COALESCE(SUM(knows_where_to_complain), 0) AS numerator,
    COUNT(source_row) AS denominator,
    CAST(SUM(knows_where_to_complain) AS DOUBLE PRECISION) / NULLIF(COUNT(source_row), 0) AS value
FROM population_in_scope
GROUP BY scope, scope_name
