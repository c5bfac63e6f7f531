-- A configured school without a single current row of :source this period.
-- No JOIN here, so Great Expectations aliases {batch} itself.
SELECT e.school
FROM {schools} AS e
WHERE NOT EXISTS (SELECT 1 FROM {batch} WHERE source = :source AND school = e.school)
