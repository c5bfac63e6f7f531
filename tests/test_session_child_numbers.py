"""Session and child numbers (migration 0011): the load numbers each session and child of a coalition as spelled, so
`aanbod_onderbouw` joins registrations to their session on one integer and the marts count children as integers,
with the figures the four-column join and the pseudonyms gave."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from kansenmonitor.db import make_engine
from kansenmonitor.migrate import alembic_config, migrate
from kansenmonitor.periods import parse_period
from tasks.indicators.compute import compute_indicators
from tasks.ingest.files import ingest_file
from tests.deliveries import attendance, planning, present, session, write_csv

KEY = b"a-deployment-key-of-at-least-32-bytes!"
SESSIONS = "SELECT session_date, title, area, session_number, superseded_by IS NULL AS current FROM activity_session"
REGISTRATIONS = """SELECT session_date, title, area, pupil, session_number, child_number,
    superseded_by IS NULL AS current FROM attendance"""


def _rows(engine, query: str) -> list:
    with engine.connect() as conn:
        return conn.execute(text(query)).all()


def _numbered_alike(engine) -> tuple[dict, dict]:
    """The number of each session (as spelled) and each child, checked to be one number each, the same wherever it
    occurs (planning, attendance, the counts per child, superseded rows too), and different for different ones."""
    sessions, children = {}, {}
    for row in _rows(engine, SESSIONS):
        assert sessions.setdefault((str(row.session_date), row.title, row.area), row.session_number) == \
            row.session_number
    for row in _rows(engine, REGISTRATIONS):
        assert sessions.setdefault((str(row.session_date), row.title, row.area), row.session_number) == \
            row.session_number
        assert children.setdefault(row.pupil, row.child_number) == row.child_number
    for pupil, number in _rows(engine, "SELECT pupil, child_number FROM attendance_per_child"):
        assert children[pupil] == number
    assert len(set(sessions.values())) == len(sessions) and len(set(children.values())) == len(children)
    return sessions, children


def test_numbers_follow_the_spelling_through_new_versions_and_redeliveries(engine, backpack, tmp_path):
    ingest_file(engine, backpack, write_csv(tmp_path / "planning.csv", planning(
        session(group="1-4"), session(date="19-09-2024", title="Dans", group="1-4"))), KEY)
    ingest_file(engine, backpack, write_csv(tmp_path / "a.csv", attendance(
        present("1001"), present("1002"), present("1003", date="19-09-2024", title="Dans"))), KEY)
    # b.csv carries 1002's Voetbal again, spelled "voetbal": the same record (it supersedes a.csv's row), but not the
    # planning's spelling, which the mart's join has always asked for; and 1001 at Dans.
    ingest_file(engine, backpack, write_csv(tmp_path / "b.csv", attendance(
        present("1002", title="voetbal"), present("1001", date="19-09-2024", title="Dans"))), KEY)
    # A new version of the planning (its rows replaced whole, Circus added) and of a.csv (1001 absent now, 1002 no
    # longer in it, 1004 absent at Circus).
    ingest_file(engine, backpack, write_csv(tmp_path / "planning.csv", planning(
        session(group="1-4"), session(date="19-09-2024", title="Dans", group="1-4"),
        session(date="26-09-2024", title="Circus", group="1-4"))), KEY)
    ingest_file(engine, backpack, write_csv(tmp_path / "a.csv", attendance(
        present("1001", marker="nee"), present("1003", date="19-09-2024", title="Dans"),
        present("1004", date="26-09-2024", title="Circus", marker="nee"))), KEY)

    sessions, children = _numbered_alike(engine)
    assert sorted(title for _, title, _ in sessions) == ["Circus", "Dans", "Voetbal", "voetbal"]
    assert len(children) == 4
    planned = [(row.title, row.current) for row in _rows(engine, SESSIONS)]
    assert sorted(planned) == [("Circus", True), ("Dans", False), ("Dans", True), ("Voetbal", False), ("Voetbal", True)]
    current = sorted((row.title, row.current) for row in _rows(engine, REGISTRATIONS))
    assert current == [("Circus", True), ("Dans", False), ("Dans", True), ("Dans", True), ("Voetbal", False),
                       ("Voetbal", False), ("Voetbal", True), ("voetbal", True)]

    targets = backpack.targets | {"aanbod_onderbouw": backpack.targets["aanbod_onderbouw"].model_copy(
        update={"min_children": 2})}
    config = backpack.model_copy(update={"targets": targets})
    rows = {(r.indicator, r.scope): r for r in compute_indicators(engine, config, parse_period("2024-2025-H1", config))}
    # 1-4 sessions with children present: Dans (1001 and 1003, so 2: enough); Voetbal's one present registration is
    # spelled "voetbal", which no session of the planning is, and Circus has none present.
    aanbod = rows["aanbod_onderbouw", "coalition"]
    assert (aanbod.numerator, aanbod.denominator) == (1, 1)
    # Children registered: 1001-1004; present at least once: 1001 (Dans), 1002 (voetbal), 1003.
    deelnemers = rows["deelnemers", "coalition"]
    assert (deelnemers.numerator, deelnemers.denominator) == (3, 4)


def test_the_upgrade_numbers_rows_loaded_before_as_the_load_does(db_url, backpack, tmp_path):
    migrate(db_url)
    engine = make_engine(db_url)
    ingest_file(engine, backpack, write_csv(tmp_path / "planning.csv", planning(
        session(group="1-4"), session(date="19-09-2024", title="Dans"))), KEY)
    ingest_file(engine, backpack, write_csv(tmp_path / "a.csv", attendance(
        present("1001"), present("1002"), present("1001", date="19-09-2024", title="Dans"))), KEY)
    ingest_file(engine, backpack, write_csv(tmp_path / "a.csv", attendance(present("1001", marker="nee"))), KEY)
    loaded = sorted((r.session_date, r.title, r.pupil, r.current) for r in _rows(engine, REGISTRATIONS))
    engine.dispose()

    command.downgrade(alembic_config(db_url), "0010_ledger_per_statement")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert "session_number" not in list(conn.execute(text("SELECT * FROM attendance")).keys())
    engine.dispose()
    migrate(db_url)
    engine = make_engine(db_url)
    assert sorted((r.session_date, r.title, r.pupil, r.current) for r in _rows(engine, REGISTRATIONS)) == loaded
    sessions, children = _numbered_alike(engine)
    assert len(sessions) == 2 and len(children) == 2

    # Loaded after the upgrade, a known session and child keep their numbers and a new child gets its own.
    ingest_file(engine, backpack, write_csv(tmp_path / "b.csv", attendance(present("1001"), present("1005"))), KEY)
    again, children_again = _numbered_alike(engine)
    assert again == sessions and {p: n for p, n in children_again.items() if p in children} == children
    assert len(children_again) == 3
    rows = {(r.indicator, r.scope): r for r in compute_indicators(engine, backpack,
                                                                 parse_period("2024-2025-H1", backpack))}
    # 1001 (present at Voetbal again in b.csv) and 1005; 1002 and 1001's Dans went with a.csv's first version.
    assert (rows["deelnemers", "coalition"].numerator, rows["deelnemers", "coalition"].denominator) == (2, 2)
    engine.dispose()
