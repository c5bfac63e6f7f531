-- One registration of a child for a session; `is_present` is 1 or 0 on every database, `present` the
-- boolean itself, to filter on (PostgreSQL estimates how many rows a boolean keeps; for a CASE it guesses).
-- `session_number` and `child_number` number the session (by its key, as the load's reference check matches it:
-- migration 0012) and the child (migration 0011).
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
    present,
    session_number,
    child_number,
    CASE WHEN present THEN 1 ELSE 0 END AS is_present
FROM attendance
WHERE coalition IN (SELECT coalition FROM {{ ref('seed_coalitions') }})
    AND superseded_by IS NULL
