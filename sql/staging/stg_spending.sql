-- Bookings in the NPO ledger; a correction is a negative amount.
SELECT
    coalition,
    delivery_id,
    source_row,
    period,
    booking_date,
    area,
    spending_point,
    amount
FROM spending
WHERE coalition IN (SELECT coalition FROM {{ ref('seed_coalitions') }})
    AND superseded_by IS NULL
