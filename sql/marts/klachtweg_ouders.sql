-- Parents who know where to complain: "Ja" among the parents who answered.
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        school,
        CASE WHEN knows_where_to_complain = 'Ja' THEN 1 ELSE 0 END AS knows_where_to_complain
    FROM {{ ref('stg_parent_responses') }}
    WHERE period = :period
        AND knows_where_to_complain IS NOT NULL
)

{{ ratio_per_scope('knows_where_to_complain', scopes, dialect) }}
