"""session and child numbers: attendance joined to its session on one integer, children counted as integers

`session_number` numbers each session of a coalition as its rows spell it (date, title and village exactly), and
`child_number` each child (pseudonym) of a coalition. The load gives every planning row its `session_number` and
every attendance row its `session_number` and `child_number`; `attendance_per_child` carries the child's number
(its triggers take it from the attendance rows). Equal spellings have equal numbers and different ones different
numbers, so `aanbod_onderbouw` joins registrations to sessions on one column instead of four (which PostgreSQL
misestimated and sorted as text), and `deelnemers` and `aanbod_onderbouw` count distinct children on integers
instead of 64-character pseudonyms, with exactly the same figures. The rows already loaded are numbered here.

The triggers of 0009 are created again: on PostgreSQL the function carries the child's number; SQLite rebuilds
`attendance` to make the new columns NOT NULL, which drops its triggers.

Revision ID: 0011_session_and_child_numbers
Revises: 0010_ledger_per_statement
"""

import sqlalchemy as sa
from alembic import op

revision = '0011_session_and_child_numbers'
down_revision = '0010_ledger_per_statement'
branch_labels = None
depends_on = None

LOADER = "kansenmonitor_loader"
KEY = ("coalition", "period", "area", "school", "school_group", "pupil")
SESSION = ("coalition", "session_date", "title", "area")
# The numbers (a table, and the column that holds one) by what they number: a session as spelled, a child.
NUMBERS = {"session_number": SESSION, "child_number": ("coalition", "pupil")}
# The tables given numbers.
NUMBERED = {"activity_session": ("session_number",), "attendance": ("session_number", "child_number"),
            "attendance_per_child": ("child_number",)}
CURRENT = sa.text("superseded_by IS NULL")


def _columns(numbered: bool) -> tuple[str, ...]:
    """The columns a trigger writes besides the counts: the key, and from this revision on the child's number."""
    return KEY + (("child_number",) if numbered else ())


def _pg_function(numbered: bool) -> str:
    """The trigger function of 0009, with the child's number when `numbered` (it follows the key's pupil)."""
    columns = ", ".join(_columns(numbered))
    add = ", ".join(f"{c} = kept.{c} + excluded.{c}" for c in ("registrations", "presences"))

    def counted(*tables: tuple[str, int]) -> str:
        changes = " UNION ALL ".join(f"SELECT {columns}, present, {sign} AS sign FROM {name} "
                                     "WHERE superseded_by IS NULL" for name, sign in tables)
        return (f"INSERT INTO attendance_per_child AS kept ({columns}, registrations, presences) "
                f"SELECT {columns}, SUM(sign), SUM(CASE WHEN present THEN sign ELSE 0 END) FROM ({changes}) AS changed "
                f"GROUP BY {columns} ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {add}")

    # plpgsql plans a statement when it first runs it, so each branch names only the transition tables it has.
    return f"""
CREATE OR REPLACE FUNCTION kansenmonitor_attendance_per_child() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {counted(("added", 1))};
    ELSIF TG_OP = 'UPDATE' THEN
        {counted(("added", 1), ("removed", -1))};
    ELSIF TG_OP = 'DELETE' THEN
        {counted(("removed", -1))};
    ELSE
        DELETE FROM attendance_per_child;
    END IF;
    RETURN NULL;
END $$
"""


def _sqlite_triggers(numbered: bool) -> dict[str, tuple[str, str]]:
    """The row triggers of 0009, with the child's number when `numbered`."""
    columns = _columns(numbered)

    def counted(row: str, sign: int) -> str:
        values = ", ".join(f"{row}.{c}" for c in columns)
        return (f"INSERT INTO attendance_per_child ({', '.join(columns)}, registrations, presences) VALUES ({values}, "
                f"{sign}, CASE WHEN {row}.present THEN {sign} ELSE 0 END) ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET "
                + ", ".join(f"{c} = {c} + excluded.{c}" for c in ("registrations", "presences")))

    return {
        "insert": ("AFTER INSERT ON attendance WHEN NEW.superseded_by IS NULL", counted("NEW", 1)),
        "update_removed": ("AFTER UPDATE ON attendance WHEN OLD.superseded_by IS NULL", counted("OLD", -1)),
        "update_added": ("AFTER UPDATE ON attendance WHEN NEW.superseded_by IS NULL", counted("NEW", 1)),
        "delete": ("AFTER DELETE ON attendance WHEN OLD.superseded_by IS NULL", counted("OLD", -1)),
    }


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _set_aside(postgresql: bool) -> None:
    """Triggers that must not see the numbers filled in: the write-once evidence (PostgreSQL) and the counts per
    child (their rows do not change; SQLite's are created again after the rebuild)."""
    if postgresql:
        for table in ("activity_session", "attendance"):
            op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_write_once")
        op.execute("ALTER TABLE attendance DISABLE TRIGGER attendance_per_child_update")
    else:
        for name in _sqlite_triggers(False):
            op.execute(f"DROP TRIGGER attendance_per_child_{name}")


def _restore(postgresql: bool, numbered: bool) -> None:
    if postgresql:
        for table in ("activity_session", "attendance"):
            op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_write_once")
        op.execute("ALTER TABLE attendance ENABLE TRIGGER attendance_per_child_update")
        op.execute(_pg_function(numbered))
    else:
        for name, (when, action) in _sqlite_triggers(numbered).items():
            op.execute(f"CREATE TRIGGER attendance_per_child_{name} {when} BEGIN {action}; END")


def _numbered(table: str, numbers: str, postgresql: bool) -> None:
    """Each row of `table` given the number of its session or child (`numbers`): on PostgreSQL by one join, on SQLite
    (the demo) looked up row by row."""
    op.add_column(table, sa.Column(numbers, sa.Integer(), nullable=True))
    match = " AND ".join(f"{numbers}.{c} = {table}.{c}" for c in NUMBERS[numbers])
    if postgresql:
        op.execute(f"UPDATE {table} SET {numbers} = {numbers}.number FROM {numbers} WHERE {match}")
    else:
        op.execute(f"UPDATE {table} SET {numbers} = (SELECT number FROM {numbers} WHERE {match})")


def _rebuilt(table: str, postgresql: bool, change) -> None:
    """`change` a table in batch mode; SQLite rebuilds it, so a fact table's partial index is made again (batch mode
    would lose its WHERE), as in 0008."""
    fact = table != "attendance_per_child"
    if fact and not postgresql:
        op.drop_index(f'ix_{table}_current', table)
    with op.batch_alter_table(table) as batch:
        change(batch)
    if fact and not postgresql:
        op.create_index(f'ix_{table}_current', table, ['coalition', 'key_hash'], sqlite_where=CURRENT)


def upgrade() -> None:
    postgresql = _postgresql()
    op.create_table('session_number',
                    sa.Column('number', sa.Integer(), nullable=False),
                    sa.Column('coalition', sa.String(length=100), nullable=False),
                    sa.Column('session_date', sa.Date(), nullable=False),
                    sa.Column('title', sa.String(length=300), nullable=False),
                    sa.Column('area', sa.String(length=200), nullable=False),
                    sa.PrimaryKeyConstraint('number'),
                    sa.UniqueConstraint(*SESSION, name='uq_session_number'))
    op.create_table('child_number',
                    sa.Column('number', sa.Integer(), nullable=False),
                    sa.Column('coalition', sa.String(length=100), nullable=False),
                    sa.Column('pupil', sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint('number'),
                    sa.UniqueConstraint('coalition', 'pupil', name='uq_child_number'))
    op.execute(f"INSERT INTO session_number ({', '.join(SESSION)}) SELECT {', '.join(SESSION)} FROM activity_session "
               f"UNION SELECT {', '.join(SESSION)} FROM attendance ORDER BY 1, 2, 3, 4")
    op.execute("INSERT INTO child_number (coalition, pupil) SELECT DISTINCT coalition, pupil FROM attendance "
               "ORDER BY 1, 2")
    if not postgresql:
        op.execute("PRAGMA defer_foreign_keys = ON")  # attendance is rebuilt to make the columns NOT NULL
    _set_aside(postgresql)
    for table, columns in NUMBERED.items():
        for column in columns:
            _numbered(table, column, postgresql)
        _rebuilt(table, postgresql, lambda batch, columns=columns: [
            batch.alter_column(column, existing_type=sa.Integer(), nullable=False) for column in columns])
    _restore(postgresql, numbered=True)
    if postgresql:
        op.execute(f"GRANT SELECT, INSERT ON session_number, child_number TO {LOADER}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE session_number_number_seq, child_number_number_seq TO {LOADER}")


def downgrade() -> None:
    postgresql = _postgresql()
    if postgresql:
        op.execute(_pg_function(False))
    else:
        op.execute("PRAGMA defer_foreign_keys = ON")
        for name in _sqlite_triggers(True):
            op.execute(f"DROP TRIGGER attendance_per_child_{name}")
    for table, columns in NUMBERED.items():
        _rebuilt(table, postgresql, lambda batch, columns=columns: [batch.drop_column(column) for column in columns])
    if not postgresql:
        _restore(postgresql, numbered=False)
    op.drop_table('child_number')
    op.drop_table('session_number')
