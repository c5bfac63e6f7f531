-- Attendance whose session is not (or no longer) in the current planning.
SELECT
    a.session_date,
    a.title,
    a.area,
    a.n_rows
FROM {{ batch }} AS a
LEFT JOIN activity_session AS s
    ON s.coalition = :coalition AND s.superseded_by IS NULL
        AND a.session_date = s.session_date AND a.title = s.title AND a.area = s.area
WHERE s.id IS NULL
