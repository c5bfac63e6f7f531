-- One row when no supervisor register was ever delivered.
-- No JOIN here, so Great Expectations aliases the batch itself.
SELECT 'begeleiders' AS register
WHERE NOT EXISTS (SELECT 1 FROM {{ batch }})
