-- Partners' half-yearly answers on their actions per wijk, with the pillar an action serves (NULL: not told).
SELECT
    coalition,
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
WHERE coalition IN (SELECT coalition FROM {{ ref('seed_coalitions') }})
    AND superseded_by IS NULL
