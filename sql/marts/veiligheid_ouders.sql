-- Parents who say their child feels safe: agreement of `safe_from` or more (the plan: 4 or 5) among those who answered.
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        school,
        CASE WHEN feels_safe >= :safe_from THEN 1 ELSE 0 END AS feels_safe
    FROM {{ ref('stg_parent_responses') }}
    WHERE period = :period
        AND feels_safe IS NOT NULL
)

{{ ratio_per_scope('feels_safe', scopes, dialect) }}
