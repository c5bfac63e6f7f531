-- Asset of the suite "plausibiliteit": children present, this period and the previous one (current rows only).
SELECT
    period,
    session_date,
    title,
    session_number,
    area,
    pupil
FROM attendance
WHERE coalition = :coalition AND period IN (:period, :previous) AND superseded_by IS NULL AND present
