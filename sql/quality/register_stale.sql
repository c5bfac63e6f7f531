-- The current register when it was received before :cutoff (the period's end minus the allowed age).
-- No JOIN here, so Great Expectations aliases the batch itself.
SELECT
    file_name,
    received_at
FROM {{ batch }}
WHERE received_at < :cutoff
