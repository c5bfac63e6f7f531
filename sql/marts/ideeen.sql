-- Ideas in the ideeënbus: children's answers to the idea question that are not empty, among the
-- children's responses of the period.
WITH population AS (
    SELECT
        delivery_id,
        source_row,
        area,
        school,
        CASE WHEN TRIM(idea) <> '' THEN 1 ELSE 0 END AS has_idea
    FROM {{ ref('stg_child_responses') }}
    WHERE period = :period
)

SELECT
    scope,
    scope_name,
    COALESCE(SUM(has_idea), 0) AS numerator,
    COUNT(source_row) AS denominator,
    SUM(has_idea) AS value
FROM population_in_scope
GROUP BY scope, scope_name
