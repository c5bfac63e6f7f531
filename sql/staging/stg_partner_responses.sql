-- Partners' half-yearly answers on their actions per wijk.
SELECT
    delivery_id,
    source_row,
    period,
    area,
    organisation,
    action,
    progress,
    reach
FROM partner_response
WHERE coalition = :coalition
  AND superseded_by IS NULL
