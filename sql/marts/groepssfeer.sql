-- Group atmosphere as supervisors and teachers rate it (1-5): the mean rating, and as the variant
-- `aandeel` the share of ratings of `good_from` or more (the plan: 4 or 5).
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        NULL AS school,
        group_atmosphere,
        CASE WHEN group_atmosphere >= :good_from THEN 1 ELSE 0 END AS is_good
    FROM {{ ref('stg_staff_feedback') }}
    WHERE period = :period
)

{{ ratio_per_scope('group_atmosphere', scopes, dialect, variant=none) }}
UNION ALL
{{ ratio_per_scope('is_good', scopes, dialect, variant='aandeel') }}
