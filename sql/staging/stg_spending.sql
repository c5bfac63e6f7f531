-- Bookings in the NPO ledger; a correction is a negative amount.
SELECT
    delivery_id,
    source_row,
    period,
    booking_date,
    area,
    spending_point,
    amount
FROM spending
WHERE coalition = :coalition
    AND superseded_by IS NULL
