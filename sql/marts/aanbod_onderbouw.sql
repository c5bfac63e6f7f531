-- Sessions for groups 1-4 with at least :min_children distinct children present, counted from the
-- programme's start to the end of the period, among all 1-4 sessions with children present. Registrations are
-- joined to their session by its number (`session_number`: the session as the load's reference check matched the
-- registration to the planning, so case, spaces and the village's alias aside) and a session's
-- distinct children counted by their numbers: one integer column to join on and integers to count, where four
-- columns misled PostgreSQL's estimate into sorting text. A session has one village, so its children are counted
-- once and the sessions are then grouped per scope.
WITH population AS (
    SELECT
        attendance.coalition,
        attendance.delivery_id,
        attendance.source_row,
        attendance.area,
        attendance.school,
        attendance.session_date,
        attendance.activity,
        attendance.pupil,
        attendance.session_number,
        attendance.child_number
    FROM {{ ref('stg_attendance') }} AS attendance
    INNER JOIN {{ ref('stg_sessions') }} AS sessions
        ON attendance.session_number = sessions.session_number
    WHERE sessions.target_group = '1-4'
        AND attendance.present
        AND attendance.session_date <= :period_end
),

sessions_for_groups_1_4 AS (
    SELECT
        coalition,
        area,
        session_date,
        COUNT(DISTINCT child_number) AS children_present
    FROM population
    GROUP BY session_number, coalition, area, session_date
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
