-- Supervisors' and teachers' feedback after a session.
SELECT
    delivery_id,
    source_row,
    period,
    role,
    activity_date,
    area,
    group_atmosphere,
    cooperation
FROM staff_feedback
WHERE coalition = :coalition
    AND superseded_by IS NULL
