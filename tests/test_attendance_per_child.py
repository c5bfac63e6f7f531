"""`attendance_per_child` (migration 0009): the database keeps the current attendance rows counted per child, school,
village and group, through whatever supersedes them, and the marts that count children read it."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import text

from kansenmonitor.db import Attendance, Delivery, make_engine
from kansenmonitor.migrate import alembic_config, migrate
from kansenmonitor.periods import parse_period
from tasks.indicators.compute import compute_indicators
from tasks.ingest.copy_load import copy_rows
from tasks.ingest.files import ingest_file
from tests.deliveries import attendance, planning, present, session, write_csv

KEY = b"a-deployment-key-of-at-least-32-bytes!"
GROUPED = """SELECT coalition, period, area, school, school_group, pupil, COUNT(*) AS registrations,
    SUM(CASE WHEN present THEN 1 ELSE 0 END) AS presences FROM attendance WHERE superseded_by IS NULL
    GROUP BY coalition, period, area, school, school_group, pupil ORDER BY pupil, area"""
KEPT = """SELECT coalition, period, area, school, school_group, pupil, registrations, presences
    FROM attendance_per_child WHERE registrations > 0 ORDER BY pupil, area"""


def _counts(engine) -> list[tuple]:
    """Per child (pupil pseudonyms left out): school, village, group, registrations and presences, sorted."""
    with engine.connect() as conn:
        kept = conn.execute(text(KEPT)).all()
        assert kept == conn.execute(text(GROUPED)).all()  # exactly the current rows grouped
    return sorted((r.school, r.area, r.school_group, r.registrations, r.presences) for r in kept)


def test_kept_through_a_redelivery_a_new_version_and_a_resolved_failure(engine, backpack, tmp_path):
    ingest_file(engine, backpack, write_csv(tmp_path / "planning.csv", planning(
        session(), session(date="19-09-2024", title="Dans"))), KEY)
    first = ingest_file(engine, backpack, write_csv(tmp_path / "a.csv", attendance(
        present("1001"), present("1002"), present("1003", school="Onbekende school"))), KEY)
    assert (first.rows_loaded, first.rows_quarantined) == (2, 1)
    assert _counts(engine) == [("OBS de Aanloop", "Valthermond", 5, 1, 1)] * 2

    # Another file carries 1002's Voetbal again, absent now (it supersedes that row), and 1002 at Dans.
    ingest_file(engine, backpack, write_csv(tmp_path / "b.csv", attendance(
        present("1002", marker="nee"), present("1002", date="19-09-2024", title="Dans"))), KEY)
    # A new version of a.csv: 1001 absent, 1003's school corrected (its failure resolved), 1002 no longer in it.
    again = ingest_file(engine, backpack, write_csv(tmp_path / "a.csv", attendance(
        present("1001", marker="nee"), present("1003"))), KEY)
    assert (again.rows_loaded, again.rows_quarantined) == (2, 0)
    if engine.dialect.name == "postgresql":  # the ingest gathered its statistics, as of the attendance it follows
        with engine.connect() as conn:
            assert conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'attendance_per_child'"))\
                .scalar() >= 0
    # 1001: once, absent; 1002: Voetbal absent (b.csv) and Dans present; 1003: once, present.
    assert _counts(engine) == [("OBS de Aanloop", "Valthermond", 5, 1, 0), ("OBS de Aanloop", "Valthermond", 5, 1, 1),
                               ("OBS de Aanloop", "Valthermond", 5, 2, 1)]
    rows = {(r.indicator, r.scope): r for r in compute_indicators(engine, backpack,
                                                                 parse_period("2024-2025-H1", backpack))}
    # Children present at least once: 1002 and 1003 of the three registered; turnout: 2 of 4 registrations.
    assert (rows["deelnemers", "coalition"].value, rows["deelnemers", "coalition"].denominator) == (2, 3)
    assert (rows["opkomst", "coalition"].numerator, rows["opkomst", "coalition"].denominator) == (2, 4)


def test_the_upgrade_counts_rows_loaded_before_and_the_downgrade_removes_it(db_url, backpack, tmp_path):
    migrate(db_url)
    engine = make_engine(db_url)
    ingest_file(engine, backpack, write_csv(tmp_path / "planning.csv", planning(session())), KEY)
    ingest_file(engine, backpack, write_csv(tmp_path / "a.csv", attendance(present("1001"), present("1002"))), KEY)
    ingest_file(engine, backpack, write_csv(tmp_path / "a.csv", attendance(present("1001", marker="nee"))), KEY)
    engine.dispose()
    command.downgrade(alembic_config(db_url), "0008_compact_record_key")  # the rows as loaded before 0009
    migrate(db_url)
    engine = make_engine(db_url)
    assert _counts(engine) == [("OBS de Aanloop", "Valthermond", 5, 1, 0)]

    with engine.begin() as conn:  # the owner may delete (the loader may not): the count follows too
        conn.execute(text("DELETE FROM attendance WHERE superseded_by IS NULL"))
    assert _counts(engine) == []
    engine.dispose()

    command.downgrade(alembic_config(db_url), "0008_compact_record_key")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            left = conn.execute(text("SELECT count(*) FROM pg_class WHERE relname = 'attendance_per_child'")).scalar()
            left += conn.execute(text("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'attendance_per_child%'"))\
                .scalar()
        else:
            left = conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name LIKE 'attendance_per_child%'"))\
                .scalar()
    engine.dispose()
    assert left == 0


def test_a_copy_is_counted_per_child_by_hashing_its_rows_not_sorting_them(pg_url):
    """The trigger's sums over a COPY (0013) are planned for all its rows: hashed per child, where planned for the
    one row in two hundred that `superseded_by IS NULL` is assumed to keep, 0011 sorted them on seven columns. The
    plan is read from `auto_explain`, which writes the trigger's statements to the client."""
    migrate(pg_url)
    engine = make_engine(pg_url)
    table = Attendance.__table__
    rows = [dict(session_date=dt.date(2024, 9, 2 + session), title="Voetbal", area="Valthermond",
                 school="OBS de Aanloop", school_group=5, pupil=f"{child:064d}", present=session % 2 == 0,
                 coalition="borger-odoorn", period="2024-2025-H1", record_key=f"{session}|{child}",
                 key_hash=session * 1000 + child, source_row=session * 1000 + child, delivery_id=1,
                 session_number=session + 1, child_number=child + 1)
            for session in range(10) for child in range(200)]
    plans: list[str] = []
    try:
        with engine.begin() as conn:
            conn.execute(Delivery.__table__.insert(), [dict(
                id=1, coalition="borger-odoorn", file_name="a.csv", sha256="0" * 64, size_bytes=1,
                received_at=dt.datetime(2024, 9, 13), status="loaded")])
            conn.exec_driver_sql("LOAD 'auto_explain'")
            for setting in ("log_min_duration = 0", "log_nested_statements = on", "log_level = notice"):
                conn.exec_driver_sql(f"SET LOCAL auto_explain.{setting}")
            conn.connection.driver_connection.add_notice_handler(lambda notice: plans.append(notice.message_primary))
            copy_rows(conn, table, list(rows[0]), [list(row.values()) for row in rows])
        counted = next(plan for plan in plans if "INSERT INTO attendance_per_child" in plan)
        assert "HashAggregate" in counted and "Sort" not in counted
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*), SUM(registrations), SUM(presences) FROM attendance_per_child"))\
                .one() == (200, 2000, 1000)
    finally:
        engine.dispose()
