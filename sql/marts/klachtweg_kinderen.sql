-- Children who know where to go when something is wrong: "Ja" among the children who answered.
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        school,
        CASE WHEN knows_where_to_go = 'Ja' THEN 1 ELSE 0 END AS knows_where_to_go
    FROM {{ ref('stg_child_responses') }}
    WHERE period = :period
        AND knows_where_to_go IS NOT NULL
)

{{ ratio_per_scope('knows_where_to_go', scopes, dialect) }}
