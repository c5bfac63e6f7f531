-- Asset of the suite "referentiele-integriteit": the sessions the period's current attendance refers to.
SELECT
    session_date,
    title,
    area,
    COUNT(*) AS n_rows
FROM attendance
WHERE coalition = :coalition AND period = :period AND superseded_by IS NULL
GROUP BY session_date, title, area
