"""Every fact names an existing delivery (migration 0010): on PostgreSQL one check per statement, COPY included, and
a delivery a fact still names cannot be removed; SQLite keeps its foreign keys."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, text
from sqlalchemy.exc import IntegrityError, OperationalError

from kansenmonitor.db import FACT_TABLES, Attendance, Delivery, make_engine
from kansenmonitor.migrate import alembic_config, migrate
from tasks.ingest.copy_load import copy_rows

FACTS = sorted(model.__tablename__ for model in FACT_TABLES.values())


def _fact(table, delivery_id: int, **values) -> dict:
    """A row of the fact table `table` from `delivery_id` with a plain value in every column that needs one."""
    row = {}
    for column in table.columns:
        if column.primary_key or column.nullable:
            continue
        kind = type(column.type)
        row[column.name] = (dt.datetime(2024, 9, 12, 15) if kind is DateTime else dt.date(2024, 9, 12) if kind is Date
                            else True if kind is Boolean else 1 if issubclass(kind, (Integer, Numeric)) else "x")
    return {**row, "coalition": "borger-odoorn", "period": "2024-2025-H1", "delivery_id": delivery_id, **values}


def _deliveries(conn, *ids: int) -> None:
    conn.execute(Delivery.__table__.insert(), [
        {"id": i, "coalition": "borger-odoorn", "file_name": f"{i}.csv", "sha256": f"{i:064d}", "size_bytes": 1,
         "received_at": dt.datetime(2024, 9, 13), "status": "loaded"} for i in ids])


def _refusal(engine, statement) -> str:
    """The first line of the database's refusal of `statement` (SQL, or a function of the connection)."""
    with pytest.raises(IntegrityError) as refused, engine.begin() as conn:
        conn.execute(text(statement)) if isinstance(statement, str) else statement(conn)
    return str(refused.value.orig).splitlines()[0]


@pytest.fixture
def pg_engine(pg_url):
    migrate(pg_url)
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        _deliveries(conn, 1, 2, 3)
        conn.execute(Attendance.__table__.insert(), [_fact(Attendance.__table__, 1, record_key="a", superseded_by=2)])
    yield engine
    engine.dispose()


def _inserted(table, *rows: dict):
    return lambda conn: conn.execute(table.insert(), list(rows))


def test_every_fact_table_refuses_a_fact_of_a_delivery_that_does_not_exist(pg_engine):
    for name in FACTS:
        table = next(m.__table__ for m in FACT_TABLES.values() if m.__tablename__ == name)
        assert _refusal(pg_engine, _inserted(table, _fact(table, 1), _fact(table, 99))) \
            == f"{name}.delivery_id = 99 verwijst naar een levering die niet bestaat"
        with pg_engine.begin() as conn:  # the same row of an existing delivery is taken
            conn.execute(table.insert(), [_fact(table, 3)])


def test_a_copy_is_checked_as_a_whole_and_names_the_first_missing_delivery(pg_engine):
    table, columns = Attendance.__table__, list(_fact(Attendance.__table__, 1, superseded_by=None))

    def copied(*rows: dict):
        return lambda conn: copy_rows(conn, table, columns, [[row.get(c) for c in columns] for row in rows])

    assert _refusal(pg_engine, copied(_fact(table, 1), _fact(table, 7), _fact(table, 2, superseded_by=5),
                                      _fact(table, 4))) \
        == "attendance.delivery_id = 4 verwijst naar een levering die niet bestaat"
    assert _refusal(pg_engine, copied(_fact(table, 3), _fact(table, 3, superseded_by=8))) \
        == "attendance.superseded_by = 8 verwijst naar een levering die niet bestaat"
    with pg_engine.begin() as conn:
        copied(_fact(table, 3), _fact(table, 1, superseded_by=3))(conn)
        assert conn.execute(text("SELECT count(*) FROM attendance")).scalar() == 3


def test_superseding_by_a_delivery_that_does_not_exist_is_refused(pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(Attendance.__table__.insert(), [_fact(Attendance.__table__, 1, record_key="b")])
    assert _refusal(pg_engine, "UPDATE attendance SET superseded_by = 42 WHERE record_key = 'b'") \
        == "attendance.superseded_by = 42 verwijst naar een levering die niet bestaat"
    assert _refusal(pg_engine, "UPDATE attendance SET delivery_id = 43 WHERE record_key = 'b'") \
        == "attendance.delivery_id = 43 verwijst naar een levering die niet bestaat"
    with pg_engine.begin() as conn:
        conn.execute(text("UPDATE attendance SET superseded_by = 3 WHERE record_key = 'b'"))


def test_a_delivery_a_fact_names_is_not_deleted_nor_emptied_nor_renumbered(pg_engine):
    assert _refusal(pg_engine, "DELETE FROM delivery WHERE id IN (1, 3)") \
        == "levering 1 wordt niet verwijderd: attendance.delivery_id verwijst ernaar"
    assert _refusal(pg_engine, "DELETE FROM delivery WHERE id = 2") \
        == "levering 2 wordt niet verwijderd: attendance.superseded_by verwijst ernaar"
    assert _refusal(pg_engine, "UPDATE delivery SET id = 10 WHERE id = 3") \
        == "levering 3: delivery.id wordt niet gewijzigd"
    assert _refusal(pg_engine, "TRUNCATE delivery CASCADE") \
        == "de leveringen worden niet geleegd: er zijn feiten die ernaar verwijzen"
    with pg_engine.begin() as conn:
        conn.execute(text("DELETE FROM delivery WHERE id = 3"))  # named by no fact
        assert conn.execute(text("SELECT id FROM delivery ORDER BY id")).scalars().all() == [1, 2]
        conn.execute(text(f"TRUNCATE delivery, quarantined_row, quarantine_reason, {', '.join(FACTS)}"))


def test_a_delivery_being_named_cannot_be_deleted_until_that_transaction_ends(pg_engine):
    """The check locks the ledger rows it found, as a foreign key does: a delete waits, then sees the new fact."""
    with pg_engine.connect() as naming, pg_engine.connect() as deleting:
        naming.execute(Attendance.__table__.insert(), [_fact(Attendance.__table__, 3)])
        deleting.execute(text("SET lock_timeout = '200ms'"))
        with pytest.raises(OperationalError, match="lock timeout"):
            deleting.execute(text("DELETE FROM delivery WHERE id = 3"))
        deleting.rollback()
        naming.commit()
        with pytest.raises(IntegrityError, match="levering 3 wordt niet verwijderd: attendance.delivery_id"):
            deleting.execute(text("DELETE FROM delivery WHERE id = 3"))


def test_sqlite_keeps_its_foreign_keys(sqlite_url):
    migrate(sqlite_url)
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        _deliveries(conn, 1)
    table = Attendance.__table__
    assert _refusal(engine, _inserted(table, _fact(table, 1, superseded_by=9))) \
        == "FOREIGN KEY constraint failed"
    with engine.begin() as conn:
        conn.execute(table.insert(), [_fact(table, 1, record_key="a")])
    assert _refusal(engine, "DELETE FROM delivery") == "FOREIGN KEY constraint failed"
    with engine.connect() as conn:
        referenced = {(name, row[3]) for name in FACTS  # the referencing column
                      for row in conn.execute(text(f"PRAGMA foreign_key_list({name})")) if row[2] == "delivery"}
    engine.dispose()
    assert referenced == {(name, column) for name in FACTS for column in ("delivery_id", "superseded_by")}


def test_the_downgrade_gives_the_foreign_keys_back_and_the_upgrade_takes_them_again(pg_url):
    migrate(pg_url)
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        _deliveries(conn, 1, 2)
        conn.execute(Attendance.__table__.insert(), [_fact(Attendance.__table__, 1, superseded_by=2)])
    found = ("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid = 'delivery'::regclass "
             "AND conrelid <> ALL (ARRAY['delivery', 'quarantined_row']::regclass[])")
    checks = "SELECT count(*) FROM pg_trigger WHERE tgname ~ '(_delivery_(insert|update)|^delivery_named_.*)$'"
    states = []
    for revision in ("0009_attendance_per_child", "head"):
        (command.downgrade if revision != "head" else command.upgrade)(alembic_config(pg_url), revision)
        with engine.connect() as conn:
            states.append((conn.execute(text(found)).scalar(), conn.execute(text(checks)).scalar()))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT delivery_id, superseded_by FROM attendance")).one() == (1, 2)
    engine.dispose()
    # 11 fact tables: two foreign keys each, or two triggers each (insert, update) and three on the ledger.
    assert states == [(22, 0), (0, 25)]
