-- Complaints about the interaction with supervisors or the group dynamics, among all complaints of
-- the period. No complaint is a count of zero, not missing data.
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        NULL AS school,
        CASE WHEN category IN ('interactie', 'groepsdynamiek') THEN 1 ELSE 0 END AS is_about_interaction
    FROM {{ ref('stg_complaints') }}
    WHERE period = :period
)

{{ count_per_scope('is_about_interaction', scopes, dialect, zero_when_empty=true) }}
