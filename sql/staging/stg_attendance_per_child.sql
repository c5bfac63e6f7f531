-- The current attendance rows counted per period, child, school, village (where the sessions took place) and
-- group: `registrations` rows, `presences` of them with the child present. Kept by the database as attendance
-- is loaded and superseded (migration 0009); a child whose rows were all superseded has 0 and is left out. The
-- child is its number within the coalition (`child_number`, migration 0011), an integer to count on.
SELECT
    coalition,
    period,
    area,
    school,
    school_group,
    child_number,
    registrations,
    presences
FROM attendance_per_child
WHERE coalition IN (SELECT coalition FROM {{ ref('seed_coalitions') }})
    AND registrations > 0
