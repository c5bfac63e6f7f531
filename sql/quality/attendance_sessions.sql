-- Asset of the suite "referentiele-integriteit": the sessions the period's current attendance refers to, one row
-- per session (its number: attendance spelling a session differently, as the load's reference check accepts, is
-- the same session), named by the least of its spellings.
SELECT
    session_number,
    session_date,
    area,
    MIN(title) AS title,
    COUNT(*) AS n_rows
FROM attendance
WHERE coalition = :coalition AND period = :period AND superseded_by IS NULL
GROUP BY session_number, session_date, area
