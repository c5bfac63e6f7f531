-- Children who know where to go when something is wrong: "Ja" among the children who answered.
WITH population AS (
    SELECT
        delivery_id,
        source_row,
        area,
        school,
        CASE WHEN knows_where_to_go = 'Ja' THEN 1 ELSE 0 END AS knows_where_to_go
    FROM {{ ref('stg_child_responses') }}
    WHERE period = :period
        AND knows_where_to_go IS NOT NULL
)

SELECT
    scope,
    scope_name,
    COALESCE(SUM(knows_where_to_go), 0) AS numerator,
    COUNT(source_row) AS denominator,
    CAST(SUM(knows_where_to_go) AS DOUBLE PRECISION) / NULLIF(COUNT(source_row), 0) AS value
FROM population_in_scope
GROUP BY scope, scope_name
