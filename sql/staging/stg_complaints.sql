-- Complaints in the register.
SELECT
    coalition,
    delivery_id,
    source_row,
    period,
    complaint_date,
    area,
    category,
    status
FROM complaint
WHERE coalition IN (SELECT coalition FROM {{ ref('seed_coalitions') }})
    AND superseded_by IS NULL
