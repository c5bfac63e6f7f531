-- Asset of the suite "volledigheid": which school delivered which source this period (current rows only).
SELECT
    'aanwezigheid' AS source,
    school,
    COUNT(*) AS n_rows
FROM attendance
WHERE coalition = :coalition AND period = :period AND superseded_by IS NULL
GROUP BY school
UNION ALL
SELECT
    'kindvragenlijst' AS source,
    school,
    COUNT(*) AS n_rows
FROM child_response
WHERE coalition = :coalition AND period = :period AND superseded_by IS NULL
GROUP BY school
