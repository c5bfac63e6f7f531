"""Migration 0007: rows loaded before it get their key digest, and corrections supersede them after it."""

from __future__ import annotations

from alembic import command
from sqlalchemy import func, select, text

from kansenmonitor.db import Attendance, make_engine
from kansenmonitor.migrate import alembic_config, migrate
from tasks.ingest.files import ingest_file
from tests.deliveries import attendance, planning, present, session, write_csv

KEY = b"a-deployment-key-of-at-least-32-bytes!"
# SHA-256("abc") = ba7816bf 8f01cfea ...; its first 8 bytes as a signed 64-bit integer: 0xba7816bf8f01cfea - 2**64.
ABC = -5010229573455851542


def _attendance(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(text("SELECT id, record_key, key_hash, superseded_by FROM attendance ORDER BY id")).all()


def _index(engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            return conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_attendance_current'")).scalar()
        return conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ix_attendance_current'")).scalar()


def test_the_upgrade_gives_loaded_rows_their_digest_and_they_are_superseded_after(db_url, backpack, tmp_path):
    migrate(db_url)
    engine = make_engine(db_url)
    ingest_file(engine, backpack, write_csv(tmp_path / "planning.csv", planning(session())), KEY)
    ingest_file(engine, backpack, write_csv(tmp_path / "a.csv", attendance(present("1001"), present("1002"))), KEY)
    ingest_file(engine, backpack, write_csv(tmp_path / "a.csv", attendance(  # supersedes both: history kept
        present("1001", marker="nee"), present("1002"), present("1003"))), KEY)
    loaded = _attendance(engine)
    assert [row.superseded_by is None for row in loaded] == [False, False, True, True, True]

    command.downgrade(alembic_config(db_url), "0007_interpretations")  # the database as it was before
    with engine.begin() as conn:
        assert "key_hash" not in list(conn.execute(text("SELECT * FROM attendance")).keys())
        delivery = conn.execute(text("SELECT min(id) FROM delivery")).scalar()
        conn.execute(text(
            "INSERT INTO activity_session (coalition, period, record_key, source_row, delivery_id, session_date, "
            "title, area, target_group, theme_1, kind, supervisors) VALUES ('elders', '2024-2025-H1', 'abc', 2, "
            ":delivery, '2024-09-12', 'Dans', 'Valthermond', '5-8', 'Sport', 'vast', 2)"), {"delivery": delivery})
    engine.dispose()
    migrate(db_url)
    engine = make_engine(db_url)

    assert _attendance(engine) == loaded  # every digest as the load computed it, superseded rows included
    with engine.connect() as conn:
        assert conn.execute(text("SELECT key_hash FROM activity_session WHERE record_key = 'abc'")).scalar() == ABC
    index = " ".join(_index(engine).replace('"', "").split())
    assert "(coalition, key_hash)" in index and "WHERE" in index and "superseded_by IS NULL" in index, index

    again = ingest_file(engine, backpack, write_csv(tmp_path / "b.csv", attendance(present("1002", marker="nee"))), KEY)
    assert again.rows_loaded == 1
    after = {row.id: row.superseded_by for row in _attendance(engine)}
    assert after[loaded[3].id] == again.delivery_id  # 1002 of a.csv, found by the migrated digest
    with engine.connect() as conn:
        current = conn.execute(select(func.count()).select_from(Attendance)
                               .where(Attendance.superseded_by.is_(None))).scalar()
    engine.dispose()
    assert current == 3
