-- Sessions for groups 1-4 with at least :min_children distinct children present, counted from the
-- programme's start to the end of the period, among all 1-4 sessions with children present. The
-- children are grouped first, so distinct children are a grouping every database can hash.
WITH population AS (
    SELECT
        attendance.coalition,
        attendance.delivery_id,
        attendance.source_row,
        attendance.area,
        attendance.school,
        attendance.session_date,
        attendance.activity,
        attendance.pupil
    FROM {{ ref('stg_attendance') }} AS attendance
    INNER JOIN {{ ref('stg_sessions') }} AS sessions
        ON attendance.coalition = sessions.coalition
            AND attendance.session_date = sessions.session_date
            AND attendance.activity = sessions.activity
            AND attendance.area = sessions.area
    WHERE sessions.target_group = '1-4'
        AND attendance.is_present = 1
        AND attendance.session_date <= :period_end
),

children_at_sessions AS (
    SELECT
        scope_id,
        session_date,
        activity,
        area,
        pupil
    FROM population_in_scope
    GROUP BY scope_id, session_date, activity, area, pupil
),

sessions_for_groups_1_4 AS (
    SELECT
        scope_id,
        session_date,
        COUNT(pupil) AS children_present
    FROM children_at_sessions
    GROUP BY scope_id, session_date, activity, area
)

SELECT
    scope_id,
    COUNT(CASE WHEN children_present >= :min_children THEN 1 END) AS numerator,
    COUNT(session_date) AS denominator,
    COUNT(CASE WHEN children_present >= :min_children THEN 1 END) AS value
FROM sessions_for_groups_1_4
GROUP BY scope_id
