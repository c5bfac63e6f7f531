-- Turnout: registrations with the child present, among all registrations of the period.
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        school,
        is_present
    FROM {{ ref('stg_attendance') }}
    WHERE period = :period
)

{{ ratio_per_scope('is_present') }}
