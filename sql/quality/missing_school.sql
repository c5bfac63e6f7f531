-- A configured school without a single current row of :source this period.
-- No JOIN here, so Great Expectations aliases the batch itself (its columns stay unqualified).
SELECT e.school
FROM {{ schools }} AS e
WHERE NOT EXISTS (
        SELECT 1 FROM {{ batch }}
        WHERE source = :source AND school = e.school  -- noqa: RF03
    )
