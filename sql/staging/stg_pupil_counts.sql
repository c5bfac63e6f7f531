-- Pupils per school, group and school year: the denominator of reach.
SELECT
    coalition,
    delivery_id,
    source_row,
    school_year,
    school,
    area,
    group_1 AS pupils_group_1,
    group_2 AS pupils_group_2,
    group_3 AS pupils_group_3,
    group_4 AS pupils_group_4,
    group_5 AS pupils_group_5,
    group_6 AS pupils_group_6,
    group_7 AS pupils_group_7,
    group_8 AS pupils_group_8
FROM pupil_count
WHERE coalition IN (SELECT coalition FROM {{ ref('seed_coalitions') }})
    AND superseded_by IS NULL
