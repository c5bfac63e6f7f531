-- Sessions for groups 1-4 with at least :min_children distinct children present, counted from the
-- programme's start to the end of the period, among all 1-4 sessions with children present. A session
-- has one village, so its children are counted once (grouped first, a grouping every database can
-- hash) and the sessions are then grouped per scope.
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
        AND attendance.present
        AND attendance.session_date <= :period_end
),

children_at_sessions AS (
    SELECT
        coalition,
        area,
        session_date,
        activity,
        pupil
    FROM population
    GROUP BY coalition, area, session_date, activity, pupil
),

sessions_for_groups_1_4 AS (
    SELECT
        coalition,
        area,
        session_date,
        COUNT(pupil) AS children_present
    FROM children_at_sessions
    GROUP BY coalition, area, session_date, activity
),

per_scope AS (
    {% call(key, groups) grouped_by_scope(scopes, dialect) %}
    SELECT
        {{ key }} AS scope_key,
        COUNT(CASE WHEN children_present >= :min_children THEN 1 END) AS enough,
        COUNT(session_date) AS sessions
    FROM sessions_for_groups_1_4
    GROUP BY {{ groups }}
    {% endcall %}
)

SELECT
    scopes.scope_id,
    COALESCE(per_scope.enough, 0) AS numerator,
    COALESCE(per_scope.sessions, 0) AS denominator,
    COALESCE(per_scope.enough, 0) AS value
FROM {{ ref('seed_scopes') }} AS scopes
LEFT JOIN per_scope
    ON scopes.scope_key = per_scope.scope_key
WHERE scopes.scope IN ('{{ scopes | join("', '") }}')
