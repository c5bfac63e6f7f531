-- Sessions with more children present than :factor times the median session of the period. A session is its
-- number (attendance spelling it differently is the same session), named by the least of its spellings.
-- The median is computed with window functions so the same SQL runs on SQLite and PostgreSQL.
WITH sessions AS (
    SELECT
        b.session_date,
        MIN(b.title) AS title,
        b.area,
        COUNT(DISTINCT b.pupil) AS present
    FROM {{ batch }} AS b
    WHERE b.period = :period
    GROUP BY b.session_number, b.session_date, b.area
),

ranked AS (
    SELECT
        present,
        ROW_NUMBER() OVER (ORDER BY present) AS position,
        COUNT(*) OVER () AS sessions
    FROM sessions
),

median AS (
    SELECT
        AVG(present) AS median,
        MAX(sessions) AS sessions
    FROM ranked
    WHERE position IN ((sessions + 1) / 2, (sessions + 2) / 2)
)

SELECT
    s.session_date,
    s.title,
    s.area,
    s.present,
    m.median
FROM sessions AS s CROSS JOIN median AS m
WHERE m.sessions >= :min_sessions AND s.present > :factor * m.median
