-- Asset of the suite "actualiteit": the delivery behind the current supervisor register.
-- The register is a state, not a log, so it is not filtered on period: the newest delivery counts.
SELECT
    d.id AS delivery_id,
    d.file_name,
    d.received_at,
    COUNT(*) AS people
FROM supervisor AS s
INNER JOIN delivery AS d ON s.delivery_id = d.id
WHERE s.coalition = :coalition AND s.superseded_by IS NULL
GROUP BY d.id, d.file_name, d.received_at
