-- Attendance whose session is not (or no longer) in the current planning: no current planning row has its session
-- number (the session as the load's reference check matches it, however the attendance spells it).
SELECT
    a.session_date,
    a.title,
    a.area,
    a.n_rows
FROM {{ batch }} AS a
LEFT JOIN activity_session AS s
    ON s.coalition = :coalition AND s.superseded_by IS NULL
        AND a.session_number = s.session_number
WHERE s.id IS NULL
