-- One registration of a child for a session; `is_present` is 1 or 0 on every database.
SELECT
    coalition,
    delivery_id,
    source_row,
    period,
    session_date,
    title AS activity,
    area,
    school,
    school_group,
    pupil,
    CASE WHEN present THEN 1 ELSE 0 END AS is_present
FROM attendance
WHERE coalition IN (SELECT coalition FROM {{ ref('seed_coalitions') }})
    AND superseded_by IS NULL
