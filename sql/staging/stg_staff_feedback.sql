-- Supervisors' and teachers' feedback after a session.
SELECT
    coalition,
    delivery_id,
    source_row,
    period,
    role,
    activity_date,
    area,
    group_atmosphere,
    cooperation
FROM staff_feedback
WHERE coalition IN (SELECT coalition FROM {{ ref('seed_coalitions') }})
    AND superseded_by IS NULL
