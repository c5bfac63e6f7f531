-- Children who feel safe at the activities: "Ja" among the children who answered.
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        school,
        CASE WHEN feels_safe = 'Ja' THEN 1 ELSE 0 END AS feels_safe
    FROM {{ ref('stg_child_responses') }}
    WHERE period = :period
        AND feels_safe IS NOT NULL
)

{{ ratio_per_scope('feels_safe', scopes, dialect) }}
