-- Sessions that mix two different themes, among the sessions of the period.
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        NULL AS school,
        CASE WHEN theme_2 IS NOT NULL AND theme_2 <> theme_1 THEN 1 ELSE 0 END AS mixes_two_themes
    FROM {{ ref('stg_sessions') }}
    WHERE period = :period
)

{{ ratio_per_scope('mixes_two_themes', scopes, dialect) }}
