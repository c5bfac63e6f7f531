-- Reach: distinct children of the eligible groups present in the period, among the pupils of those
-- groups at the schools with a pupil count for the period's school year. A child counts for the village
-- of its school.
WITH eligible_pupils AS (
    SELECT
        pupil_counts.coalition,
        pupil_counts.delivery_id,
        pupil_counts.source_row,
        pupil_counts.area,
        pupil_counts.school,
        CASE eligible.school_group
            WHEN 1 THEN pupil_counts.pupils_group_1
            WHEN 2 THEN pupil_counts.pupils_group_2
            WHEN 3 THEN pupil_counts.pupils_group_3
            WHEN 4 THEN pupil_counts.pupils_group_4
            WHEN 5 THEN pupil_counts.pupils_group_5
            WHEN 6 THEN pupil_counts.pupils_group_6
            WHEN 7 THEN pupil_counts.pupils_group_7
            WHEN 8 THEN pupil_counts.pupils_group_8
        END AS pupils
    FROM {{ ref('stg_pupil_counts') }} AS pupil_counts
    INNER JOIN {{ ref('seed_eligible_groups') }} AS eligible
        ON pupil_counts.coalition = eligible.coalition
    WHERE pupil_counts.school_year = :school_year
),

children_present AS (
    SELECT
        attendance.coalition,
        attendance.delivery_id,
        attendance.source_row,
        schools.area,
        attendance.school,
        attendance.pupil
    FROM {{ ref('stg_attendance') }} AS attendance
    INNER JOIN (
        SELECT DISTINCT
            coalition,
            school,
            area
        FROM eligible_pupils
    ) AS schools
        ON attendance.coalition = schools.coalition
            AND attendance.school = schools.school
    INNER JOIN {{ ref('seed_eligible_groups') }} AS eligible
        ON attendance.coalition = eligible.coalition
            AND attendance.school_group = eligible.school_group
    WHERE attendance.period = :period
        AND attendance.is_present = 1
),

population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        school,
        NULL AS pupil,
        pupils
    FROM eligible_pupils
    UNION ALL
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        school,
        pupil,
        0 AS pupils
    FROM children_present
)

SELECT
    scope_id,
    COUNT(DISTINCT pupil) AS numerator,
    COALESCE(SUM(pupils), 0) AS denominator,
    CAST(COUNT(DISTINCT pupil) AS DOUBLE PRECISION) / NULLIF(SUM(pupils), 0) AS value
FROM population_in_scope
GROUP BY scope_id
