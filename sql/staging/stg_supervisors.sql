-- The supervisor register as it stood at the end of the period. The register is a state: every
-- delivery replaces the one before, so the rows that counted then are those delivered before the
-- period ended and not yet replaced by then. Before a coalition's first delivery arrived: its current register.
WITH registered AS (
    SELECT
        supervisor.coalition,
        supervisor.delivery_id,
        supervisor.source_row,
        supervisor.superseded_by,
        supervisor.name,
        supervisor.organisation,
        CASE WHEN supervisor.structural THEN 1 ELSE 0 END AS is_structural,
        supervisor.vog_date,
        delivered.received_at AS delivered_at,
        replaced.received_at AS replaced_at
    FROM supervisor
    INNER JOIN delivery AS delivered ON supervisor.delivery_id = delivered.id
    LEFT JOIN delivery AS replaced ON supervisor.superseded_by = replaced.id
    WHERE supervisor.coalition IN (SELECT coalition FROM {{ ref('seed_coalitions') }})
),

at_period_end AS (
    SELECT * FROM registered
    WHERE delivered_at < :after_period_end
        AND (replaced_at IS NULL OR replaced_at >= :after_period_end)
)

SELECT
    coalition,
    delivery_id,
    source_row,
    name,
    organisation,
    is_structural,
    vog_date
FROM at_period_end
UNION ALL
SELECT
    coalition,
    delivery_id,
    source_row,
    name,
    organisation,
    is_structural,
    vog_date
FROM registered
WHERE superseded_by IS NULL
    AND NOT EXISTS (
        SELECT 1 FROM at_period_end
        WHERE at_period_end.coalition = registered.coalition
    )
