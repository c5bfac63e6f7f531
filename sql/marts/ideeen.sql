-- Ideas in the ideeënbus: children's answers to the idea question that are not empty, among the
-- children's responses of the period.
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        school,
        CASE WHEN TRIM(idea) <> '' THEN 1 ELSE 0 END AS has_idea
    FROM {{ ref('stg_child_responses') }}
    WHERE period = :period
)

{{ count_per_scope('has_idea', scopes, dialect) }}
