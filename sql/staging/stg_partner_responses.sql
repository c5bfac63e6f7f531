-- Partners' half-yearly answers on their actions per wijk, with the pillar an action serves (NULL: not told).
SELECT
    delivery_id,
    source_row,
    period,
    area,
    organisation,
    action,
    pillar,
    progress,
    reach
FROM partner_response
WHERE coalition = :coalition
    AND superseded_by IS NULL
