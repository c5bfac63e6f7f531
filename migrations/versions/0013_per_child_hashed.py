"""attendance per child: the trigger's rows added up by hashing instead of sorting

The statement trigger of 0009 (0011 added the child's number) took the current rows of its transition tables with
`WHERE superseded_by IS NULL`, which PostgreSQL, having no statistics for a transition table, expected to keep one
row in two hundred: it planned the grouping of a COPY's 10,000 rows for 50 and sorted them on seven columns, text
compared by collation (about 45 ms of a 250 ms COPY). The same sums now take the current rows by `FILTER` and leave
out groups without one by `HAVING`: every row reaches the grouping as the planner expects, and it hashes them (about
8 ms). The counts are exactly those of before. SQLite counts row by row and is untouched.

Revision ID: 0013_per_child_hashed
Revises: 0012_sessions_by_key
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = '0013_per_child_hashed'
down_revision = '0012_sessions_by_key'
branch_labels = None
depends_on = None

KEY = ("coalition", "period", "area", "school", "school_group", "pupil")
GROUPED = ", ".join(KEY + ("child_number",))
CURRENT = "FILTER (WHERE superseded_by IS NULL)"


def _counted(*tables: tuple[str, int]) -> str:
    """The upsert adding the current rows of the transition tables, each with its sign (+1 added, -1 removed)."""
    changes = " UNION ALL ".join(f"SELECT {GROUPED}, present, superseded_by, {sign} AS sign FROM {name}"
                                 for name, sign in tables)
    add = ", ".join(f"{c} = kept.{c} + excluded.{c}" for c in ("registrations", "presences"))
    return (f"INSERT INTO attendance_per_child AS kept ({GROUPED}, registrations, presences) "
            f"SELECT {GROUPED}, SUM(sign) {CURRENT}, SUM(CASE WHEN present THEN sign ELSE 0 END) {CURRENT} "
            f"FROM ({changes}) AS changed GROUP BY {GROUPED} HAVING COUNT(*) {CURRENT} > 0 "
            f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {add}")


# plpgsql plans a statement when it first runs it, so each branch names only the transition tables it has.
PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION kansenmonitor_attendance_per_child() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_counted(("added", 1))};
    ELSIF TG_OP = 'UPDATE' THEN
        {_counted(("added", 1), ("removed", -1))};
    ELSIF TG_OP = 'DELETE' THEN
        {_counted(("removed", -1))};
    ELSE
        DELETE FROM attendance_per_child;
    END IF;
    RETURN NULL;
END $$
"""


def _previous_function() -> str:
    """0011's function, from that migration itself."""
    path = Path(__file__).with_name("0011_session_and_child_numbers.py")
    spec = importlib.util.spec_from_file_location("migration_0011", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._pg_function(numbered=True)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_previous_function())
