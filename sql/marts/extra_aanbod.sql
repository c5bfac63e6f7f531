-- Extra activities beyond the fixed programme: 10-week programmes and one-off sessions, among the
-- sessions of the period.
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        NULL AS school,
        CASE WHEN kind IN ('10-weeks', 'eenmalig') THEN 1 ELSE 0 END AS is_extra
    FROM {{ ref('stg_sessions') }}
    WHERE period = :period
)

{{ count_per_scope('is_extra', scopes, dialect) }}
