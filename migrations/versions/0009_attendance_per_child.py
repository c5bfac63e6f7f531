"""attendance per child: the current attendance rows counted per period, child, school, village and group

`attendance_per_child` holds, for each (coalition, period, area, school, school_group, pupil) of the current
attendance rows, how many rows registered the child (`registrations`) and how many had it present
(`presences`). The marts that count children or registrations per scope (`deelnemers`, `opkomst`) read it: at
national scale about a million narrow rows per period instead of five million rows of attendance.

The database keeps it itself, whoever writes `attendance`: triggers add each row that is inserted current and
take away each current row that is superseded (or deleted), so a redelivery, a new version of a file, a
correction sheet and a resolved quarantine row all change it as they change the current rows. On PostgreSQL one
trigger per statement (the rows changed arrive as transition tables and are added up per child before one
upsert: a COPY of a batch is one statement); on SQLite one per row. A count that drops to 0 keeps its row (the
staging model reads rows with `registrations > 0`). The rows already loaded are counted here.

SQLite drops a table's triggers when a migration rebuilds it (`batch_alter_table`): a later migration that
rebuilds `attendance` must create these triggers again.

Revision ID: 0009_attendance_per_child
Revises: 0008_compact_record_key
"""

import sqlalchemy as sa
from alembic import op

revision = '0009_attendance_per_child'
down_revision = '0008_compact_record_key'
branch_labels = None
depends_on = None

LOADER = "kansenmonitor_loader"
KEY = ("coalition", "period", "area", "school", "school_group", "pupil")
COLUMNS = ", ".join(KEY)
ADD = ", ".join(f"{c} = kept.{c} + excluded.{c}" for c in ("registrations", "presences"))
COUNTED = f"""
INSERT INTO attendance_per_child AS kept ({COLUMNS}, registrations, presences)
SELECT {COLUMNS}, SUM(sign), SUM(CASE WHEN present THEN sign ELSE 0 END)
FROM ({{changes}}) AS changed
GROUP BY {COLUMNS}
ON CONFLICT ({COLUMNS}) DO UPDATE SET {ADD}"""


def _counted(*tables: tuple[str, int]) -> str:
    """The upsert adding the current rows of the transition tables, each with its sign (+1 added, -1 removed)."""
    return COUNTED.format(changes=" UNION ALL ".join(
        f"SELECT {COLUMNS}, present, {sign} AS sign FROM {name} WHERE superseded_by IS NULL" for name, sign in tables))


# plpgsql plans a statement when it first runs it, so each branch names only the transition tables it has.
PG_FUNCTION = f"""
CREATE FUNCTION kansenmonitor_attendance_per_child() RETURNS trigger LANGUAGE plpgsql AS $$
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
PG_TRIGGERS = {
    "insert": "AFTER INSERT ON attendance REFERENCING NEW TABLE AS added FOR EACH STATEMENT",
    "update": "AFTER UPDATE ON attendance REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT",
    "delete": "AFTER DELETE ON attendance REFERENCING OLD TABLE AS removed FOR EACH STATEMENT",
    "truncate": "AFTER TRUNCATE ON attendance FOR EACH STATEMENT",
}


def _sqlite_counted(row: str, sign: int) -> str:
    values = ", ".join(f"{row}.{c}" for c in KEY)
    return (f"INSERT INTO attendance_per_child ({COLUMNS}, registrations, presences) VALUES ({values}, {sign}, "
            f"CASE WHEN {row}.present THEN {sign} ELSE 0 END) ON CONFLICT ({COLUMNS}) DO UPDATE SET "
            + ", ".join(f"{c} = {c} + excluded.{c}" for c in ("registrations", "presences")))


SQLITE_TRIGGERS = {
    "insert": ("AFTER INSERT ON attendance WHEN NEW.superseded_by IS NULL", _sqlite_counted("NEW", 1)),
    "update_removed": ("AFTER UPDATE ON attendance WHEN OLD.superseded_by IS NULL", _sqlite_counted("OLD", -1)),
    "update_added": ("AFTER UPDATE ON attendance WHEN NEW.superseded_by IS NULL", _sqlite_counted("NEW", 1)),
    "delete": ("AFTER DELETE ON attendance WHEN OLD.superseded_by IS NULL", _sqlite_counted("OLD", -1)),
}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table('attendance_per_child',
                    sa.Column('coalition', sa.String(length=100), nullable=False),
                    sa.Column('period', sa.String(length=30), nullable=False),
                    sa.Column('area', sa.String(length=200), nullable=False),
                    sa.Column('school', sa.String(length=200), nullable=False),
                    sa.Column('school_group', sa.Integer(), nullable=False),
                    sa.Column('pupil', sa.String(length=64), nullable=False),
                    sa.Column('registrations', sa.Integer(), nullable=False),
                    sa.Column('presences', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint(*KEY))
    if _postgresql():
        # Room on each page for a row's new version: the counts are not indexed, so an update stays on its page
        # (HOT) instead of adding an entry to the index of the six-column key.
        op.execute("ALTER TABLE attendance_per_child SET (fillfactor = 70)")
    op.execute(f"""INSERT INTO attendance_per_child ({COLUMNS}, registrations, presences)
        SELECT {COLUMNS}, COUNT(*), SUM(CASE WHEN present THEN 1 ELSE 0 END) FROM attendance
        WHERE superseded_by IS NULL GROUP BY {COLUMNS}""")
    if _postgresql():
        op.execute(PG_FUNCTION)
        for name, when in PG_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER attendance_per_child_{name} {when} "
                       "EXECUTE FUNCTION kansenmonitor_attendance_per_child()")
        # Written by the loader's own statements on attendance (the triggers run as the user that loads).
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON attendance_per_child TO {LOADER}")
    else:
        for name, (when, action) in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER attendance_per_child_{name} {when} BEGIN {action}; END")


def downgrade() -> None:
    if _postgresql():
        for name in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER attendance_per_child_{name} ON attendance")
        op.execute("DROP FUNCTION kansenmonitor_attendance_per_child()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER attendance_per_child_{name}")
    op.drop_table('attendance_per_child')
