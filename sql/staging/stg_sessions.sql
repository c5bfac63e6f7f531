-- Activity sessions of the planning that still count; `session_number` is the number attendance has for the
-- session, however it spells it (by the session's key, as the load's reference check matches: migration 0012).
SELECT
    coalition,
    delivery_id,
    source_row,
    period,
    session_date,
    title AS activity,
    area,
    target_group,
    theme_1,
    theme_2,
    kind,
    supervisors,
    session_number
FROM activity_session
WHERE coalition IN (SELECT coalition FROM {{ ref('seed_coalitions') }})
    AND superseded_by IS NULL
