"""sessions numbered by key: a registration the reference check accepts counts for its session

0011 numbered each session as its rows spelled it, so attendance spelling a planned session differently
(`voetbal` for the planning's `Voetbal`, an extra space, the village by an alias) passed the load's reference check,
which compares record keys (their parts normalised: case, spaces and diacritics aside, the village by its
configured name), and then had a number no planning row had: `aanbod_onderbouw` did not count it and the check
`sessie_niet_gepland` flagged it. `session_number` now numbers each session by that key (`session_key`): the
planning's record key, and attendance's without its last two parts (school and child), as the load does.

The rows already loaded keep their numbers where a session had one spelling; the spellings of one session take
the lowest of their numbers, the others are removed. The downgrade numbers each spelling again: the current planning's
spelling of a session keeps the session's number, the others get new ones.

On PostgreSQL the write-once triggers of 0004 are set aside for the renumbering, as in 0011; the counts per
child (0009) do not follow the session, so their triggers add and take away the same.

Revision ID: 0012_sessions_by_key
Revises: 0011_session_and_child_numbers
"""

import sqlalchemy as sa
from alembic import op

revision = '0012_sessions_by_key'
down_revision = '0011_session_and_child_numbers'
branch_labels = None
depends_on = None

NUMBERED = ("activity_session", "attendance")
SPELLING = {"session_date": sa.Date(), "title": sa.String(length=300), "area": sa.String(length=200)}
# Attendance's record key without its last two parts, as `tasks.ingest.load.session_key` takes it.
PG_SESSION_KEY = r"regexp_replace(record_key, '(\|[^|]*){1,2}$', '')"


def _session_key(record_key: str) -> str:
    return record_key.rsplit("|", 2)[0]


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _renumber(postgresql: bool, moves: str, spelled: bool = False) -> None:
    """Planning and attendance rows given another number: `moves` selects (number, kept) pairs, only for the rows
    spelled `session_date, title, area` when `spelled`."""
    if postgresql:
        for table in NUMBERED:
            op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_write_once")
    for table in NUMBERED:
        match = "".join(f" AND moves.{c} = {table}.{c}" for c in SPELLING) if spelled else ""
        op.execute(f"UPDATE {table} SET session_number = moves.kept FROM ({moves}) AS moves "
                   f"WHERE {table}.session_number = moves.number{match}")
    if postgresql:
        for table in NUMBERED:
            op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_write_once")


def upgrade() -> None:
    postgresql = _postgresql()
    if postgresql:
        attendance_key = PG_SESSION_KEY
    else:
        op.get_bind().connection.driver_connection.create_function("km_session_key", 1, _session_key,
                                                                   deterministic=True)
        attendance_key = "km_session_key(record_key)"
    op.add_column('session_number', sa.Column('session_key', sa.String(length=500), nullable=True))
    # All rows of a number spell its session alike, so have the same key; MIN makes that one value.
    op.execute(f"""UPDATE session_number SET session_key = keyed.session_key FROM (
        SELECT session_number, MIN(session_key) AS session_key FROM (
            SELECT session_number, record_key AS session_key FROM activity_session
            UNION ALL SELECT session_number, {attendance_key} FROM attendance) AS keyed_rows
        GROUP BY session_number) AS keyed
        WHERE session_number.number = keyed.session_number""")
    merged = """SELECT spelled.number, kept.number AS kept FROM session_number AS spelled
        JOIN (SELECT coalition, session_key, MIN(number) AS number FROM session_number GROUP BY coalition, session_key)
            AS kept ON kept.coalition = spelled.coalition AND kept.session_key = spelled.session_key
        WHERE spelled.number <> kept.number"""
    _renumber(postgresql, merged)
    op.execute(f"DELETE FROM session_number WHERE session_key IS NULL "
               f"OR number IN (SELECT number FROM ({merged}) AS merged)")
    with op.batch_alter_table('session_number') as batch:
        batch.drop_constraint('uq_session_number', type_='unique')
        for column in SPELLING:
            batch.drop_column(column)
        batch.alter_column('session_key', existing_type=sa.String(length=500), nullable=False)
        batch.create_unique_constraint('uq_session_number', ['coalition', 'session_key'])


def downgrade() -> None:
    postgresql = _postgresql()
    with op.batch_alter_table('session_number') as batch:
        batch.drop_constraint('uq_session_number', type_='unique')
        batch.drop_column('session_key')
        for column, kind in SPELLING.items():
            batch.add_column(sa.Column(column, kind, nullable=True))
    spelled = ", ".join(SPELLING)
    spellings = " UNION ".join(f"SELECT DISTINCT session_number, coalition, {spelled} FROM {table}"
                               for table in NUMBERED)
    # A session's number stays with the current planning's spelling (else a superseded planning's, else the first of
    # attendance's); a number no row has any more goes.
    ranked = (f"SELECT DISTINCT session_number, {spelled}, CASE WHEN superseded_by IS NULL THEN 0 ELSE 1 END "
              f"AS preference FROM activity_session UNION SELECT DISTINCT session_number, {spelled}, 2 FROM attendance")
    op.execute(f"""UPDATE session_number SET session_date = kept.session_date, title = kept.title,
        area = kept.area FROM (
            SELECT session_number, {spelled}, ROW_NUMBER() OVER (
                PARTITION BY session_number ORDER BY preference, {spelled}) AS position
            FROM ({ranked}) AS ranked) AS kept
        WHERE session_number.number = kept.session_number AND kept.position = 1""")
    op.execute("DELETE FROM session_number WHERE session_date IS NULL")
    # The others are numbered anew.
    others = f"""SELECT spellings.session_number AS number, spellings.coalition, spellings.session_date,
            spellings.title, spellings.area FROM ({spellings}) AS spellings
        JOIN session_number AS kept ON kept.number = spellings.session_number
        WHERE NOT (kept.session_date = spellings.session_date AND kept.title = spellings.title
            AND kept.area = spellings.area)"""
    op.execute(f"INSERT INTO session_number (coalition, {spelled}) "
               f"SELECT coalition, {spelled} FROM ({others}) AS others ORDER BY {spelled}")
    _renumber(postgresql, f"""SELECT others.number, others.session_date, others.title, others.area,
            renumbered.number AS kept
        FROM ({others}) AS others JOIN session_number AS renumbered ON renumbered.coalition = others.coalition
            AND renumbered.session_date = others.session_date AND renumbered.title = others.title
            AND renumbered.area = others.area AND renumbered.number <> others.number""", spelled=True)
    with op.batch_alter_table('session_number') as batch:
        for column, kind in SPELLING.items():
            batch.alter_column(column, existing_type=kind, nullable=False)
        batch.create_unique_constraint('uq_session_number', ['coalition', *SPELLING])
