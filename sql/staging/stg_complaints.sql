-- Complaints in the register.
SELECT
    delivery_id,
    source_row,
    period,
    complaint_date,
    area,
    category,
    status
FROM complaint
WHERE coalition = :coalition
    AND superseded_by IS NULL
