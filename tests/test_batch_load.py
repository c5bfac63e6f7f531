"""Loading a batch of files in one transaction, still all or nothing per file (issue 19)."""

from __future__ import annotations

import datetime as dt
import gc
from itertools import chain

import pytest
from sqlalchemy import func, select, text

from kansenmonitor.db import DERIVED_TABLES, FACT_TABLES, Attendance, Delivery, QuarantinedRow
from tasks.ingest.files import ingest_files
from tasks.ingest.load import ReconciliationError, load_many
from tasks.ingest.read import parse_sheet
from tasks.ingest.recognise import recognise
from tasks.ingest.validate import validate_many
from tests.deliveries import attendance, planning, present, session, write_csv

KEY = b"a-deployment-key-of-at-least-32-bytes!"


def _refuse_group_7(engine) -> None:
    """A rule the database administrator added: attendance of group 7 is refused. Validation allows group 7."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("CREATE FUNCTION refuse_group_7() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                              "IF NEW.school_group = 7 THEN RAISE EXCEPTION 'groep 7 geweigerd door de beheerder'; "
                              "END IF; RETURN NEW; END $$"))
            conn.execute(text("CREATE TRIGGER refuse_group_7 BEFORE INSERT ON attendance FOR EACH ROW "
                              "EXECUTE FUNCTION refuse_group_7()"))
        else:
            conn.execute(text("CREATE TRIGGER refuse_group_7 BEFORE INSERT ON attendance WHEN NEW.school_group = 7 "
                              "BEGIN SELECT RAISE(ABORT, 'groep 7 geweigerd door de beheerder'); END"))


def test_a_file_failing_in_a_batch_fails_alone_and_the_others_are_loaded(engine, backpack, tmp_path):
    _refuse_group_7(engine)
    plan = write_csv(tmp_path / "1-planning.csv", planning(session(), session(title="Dans")))
    first = write_csv(tmp_path / "2-aanwezigheid.csv", attendance(present("1001"), present("1002", title="Dans")))
    poisoned = write_csv(tmp_path / "3-aanwezigheid.csv", attendance(
        present("2001"), present("2002", group="7"), present("2003", school="Onbekend")))  # one row quarantined
    last = write_csv(tmp_path / "4-aanwezigheid.csv", attendance(
        present("3001"), present("3002"), present("3003", marker="misschien")))

    results = ingest_files(engine, backpack, [plan, first, poisoned, last], KEY)

    assert [(r.file, r.status, r.rows_read, r.rows_loaded, r.rows_quarantined) for r in results] == [
        ("1-planning.csv", "loaded", 2, 2, 0), ("2-aanwezigheid.csv", "loaded", 2, 2, 0),
        ("3-aanwezigheid.csv", "failed", 0, 0, 0), ("4-aanwezigheid.csv", "loaded", 3, 2, 1)]
    message = results[2].message
    assert message.startswith("laden mislukt (") and "groep 7 geweigerd door de beheerder" in message
    assert "er is niets van 3-aanwezigheid.csv opgeslagen" in message
    with engine.connect() as conn:
        ledger = conn.execute(select(Delivery.file_name, Delivery.status, Delivery.rows_loaded,
                                     Delivery.rows_quarantined, Delivery.rejection_reason).order_by(Delivery.id)).all()
        pupils = conn.execute(select(func.count()).select_from(Attendance)).scalar()
        quarantined = conn.execute(select(Delivery.file_name, QuarantinedRow.row_number)
                                   .join(Delivery, Delivery.id == QuarantinedRow.delivery_id)).all()
    assert [row[:4] for row in ledger] == [
        ("1-planning.csv", "loaded", 2, 0), ("2-aanwezigheid.csv", "loaded", 2, 0),
        ("3-aanwezigheid.csv", "failed", 0, 0), ("4-aanwezigheid.csv", "loaded", 2, 1)]
    assert ledger[2].rejection_reason == message
    assert pupils == 4  # 1001, 1002, 3001, 3002: nothing of the failed file, not even its valid rows
    assert quarantined == [("4-aanwezigheid.csv", 4)]  # and none of its quarantine


def test_the_files_of_a_batch_share_one_transaction(pg_url, backpack, tmp_path):
    """On PostgreSQL: the ledger rows of a batch that loads cleanly were written by one transaction (`xmin`)."""
    from kansenmonitor.db import make_engine
    from kansenmonitor.migrate import migrate

    migrate(pg_url)
    engine = make_engine(pg_url)
    files = [write_csv(tmp_path / "planning.csv", planning(session())),
             *[write_csv(tmp_path / f"a{n}.csv", attendance(*[present(f"{n}00{p}") for p in range(3)]))
               for n in range(1, 4)]]
    results = ingest_files(engine, backpack, files, KEY)
    with engine.connect() as conn:
        transactions = conn.execute(text("SELECT count(DISTINCT xmin::text) FROM delivery")).scalar()
    engine.dispose()
    assert [r.status for r in results] == ["loaded"] * 4
    assert transactions == 1


def test_a_later_file_replaces_what_an_earlier_one_delivered_within_a_batch_and_across(engine, backpack, tmp_path):
    """The files of a batch are written together, yet each replaces what came before it, in order: rows of the
    same batch (marked before they are stored) and rows stored by an earlier batch (the first file carrying the
    record replaces it)."""
    x = write_csv(tmp_path / "x.csv", attendance(present("1001"), present("1002")))
    y = write_csv(tmp_path / "y.csv", attendance(present("1001", marker="nee")))
    z = write_csv(tmp_path / "z.csv", attendance(present("1002", marker="nee")))
    w = write_csv(tmp_path / "w.csv", attendance(present("1002"), present("1003")))
    plan = write_csv(tmp_path / "planning.csv", planning(session()))
    assert [r.status for r in ingest_files(engine, backpack, [plan, x, y], KEY)] == ["loaded"] * 3
    assert [r.status for r in ingest_files(engine, backpack, [z, w], KEY)] == ["loaded"] * 2
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT d.file_name, a.source_row, a.present, s.file_name FROM attendance a "
            "JOIN delivery d ON d.id = a.delivery_id LEFT JOIN delivery s ON s.id = a.superseded_by "
            "ORDER BY d.id, a.source_row")).all()
    assert [tuple(r) for r in rows] == [
        ("x.csv", 2, True, "y.csv"), ("x.csv", 3, True, "z.csv"), ("y.csv", 2, False, None),
        ("z.csv", 2, False, "w.csv"), ("w.csv", 2, True, None), ("w.csv", 3, True, None)]


def test_after_a_batch_the_fact_table_has_statistics_for_all_but_the_text_key(pg_url, backpack, tmp_path):
    """On PostgreSQL the load analyses a fact table it grew, every column but `record_key` (looked up only through
    its digest): the planner knows coalitions, digests and dates, and no time goes to measuring the long keys."""
    from kansenmonitor.db import make_engine
    from kansenmonitor.migrate import migrate

    migrate(pg_url)
    engine = make_engine(pg_url)
    files = [write_csv(tmp_path / "planning.csv", planning(session())),
             write_csv(tmp_path / "a.csv", attendance(*[present(str(1000 + p)) for p in range(40)])),
             write_csv(tmp_path / "b.csv", attendance(*[present(str(2000 + p)) for p in range(40)]))]
    assert [r.status for r in ingest_files(engine, backpack, files, KEY)] == ["loaded"] * 3
    with engine.connect() as conn:
        analysed = set(conn.execute(text("SELECT attname FROM pg_stats WHERE tablename = 'attendance'")).scalars())
        rows = conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'attendance'")).scalar()
    engine.dispose()
    assert {"coalition", "key_hash", "superseded_by", "delivery_id", "session_date", "pupil"} <= analysed
    assert "record_key" not in analysed
    assert rows == 80


def test_the_fact_tables_are_analysed_on_a_sample_of_6000_rows_without_the_text_key(pg_url, backpack, tmp_path):
    """Migration 0014: ANALYZE reads 6,000 rows of a fact table (statistics target 20, not the default 100's
    30,000) and measures no record key, whoever runs it (the load, autovacuum, an administrator); the downgrade gives
    PostgreSQL's defaults back. 7,000 rows tell the two apart: the default samples them all."""
    from alembic import command

    from kansenmonitor.db import make_engine
    from kansenmonitor.migrate import alembic_config, migrate

    migrate(pg_url)
    engine = make_engine(pg_url)
    files = [write_csv(tmp_path / "planning.csv", planning(session())),
             write_csv(tmp_path / "a.csv", attendance(*[present(str(10000 + p)) for p in range(7000)]))]
    assert [r.status for r in ingest_files(engine, backpack, files, KEY)] == ["loaded"] * 2

    def analysed() -> tuple[str, bool]:
        """What `ANALYZE VERBOSE attendance` says of its sample, and whether the record key got statistics."""
        with engine.connect() as conn:
            said = []
            conn.connection.dbapi_connection.add_notice_handler(lambda notice: said.append(notice.message_primary))
            conn.execute(text("ANALYZE VERBOSE attendance"))
            measured = conn.execute(text("SELECT attname FROM pg_stats WHERE tablename = 'attendance'")).scalars()
            sample = next(line for line in said if "rows in sample" in line)
            return sample.split("; ")[1].split(",")[0], "record_key" in set(measured)

    assert analysed() == ("6000 rows in sample", False)
    tables = sorted({m.__table__.name for m in [*FACT_TABLES.values(), *chain(*DERIVED_TABLES.values())]})
    with engine.connect() as conn:  # every column of every fact and derived table, so a new one cannot forget it
        targets = conn.execute(text(
            "SELECT attrelid::regclass::text, attname, attstattarget FROM pg_attribute "
            "WHERE attrelid = ANY(CAST(:tables AS regclass[])) AND attnum > 0 AND NOT attisdropped"),
            {"tables": tables}).all()
    assert {table for table, _, _ in targets} == set(tables)
    assert [row for row in targets if row[2] != (0 if row[1] == "record_key" else 20)] == []
    engine.dispose()
    command.downgrade(alembic_config(pg_url), "0013_per_child_hashed")
    assert analysed() == ("7000 rows in sample", True)
    engine.dispose()
    migrate(pg_url)
    assert analysed()[0] == "6000 rows in sample"
    engine.dispose()


def test_a_table_another_session_is_analysing_is_skipped_not_waited_for(pg_url, backpack, tmp_path, monkeypatch):
    """Two workers loading coalitions at once both find `attendance` grown: the second does not queue behind the
    first's ANALYZE (which holds the table's SHARE UPDATE EXCLUSIVE lock) to gather the same statistics again, but
    skips it; the tables nobody holds are analysed as usual."""
    from kansenmonitor.db import make_engine
    from kansenmonitor.migrate import migrate
    from tasks.ingest.load import analyze_grown

    migrate(pg_url)
    engine = make_engine(pg_url)
    files = [write_csv(tmp_path / "planning.csv", planning(session())),
             write_csv(tmp_path / "a.csv", attendance(*[present(str(1000 + p)) for p in range(100)]))]
    assert [r.status for r in ingest_files(engine, backpack, files, KEY)] == ["loaded"] * 2
    monkeypatch.setenv("KANSENMONITOR_ANALYZE_GROWTH", "1000")  # the second file grows the tables unanalysed
    grown = [write_csv(tmp_path / "b.csv", attendance(*[present(str(2000 + p)) for p in range(100)]))]
    assert [r.status for r in ingest_files(engine, backpack, grown, KEY)] == ["loaded"]
    analysed = "SELECT relname, analyze_count FROM pg_stat_user_tables WHERE relname IN ('attendance', 'child_number')"
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        before = dict(conn.execute(text(analysed)).all())
    with engine.connect() as holder, engine.connect() as loader:
        holder.execute(text("LOCK TABLE attendance IN SHARE UPDATE EXCLUSIVE MODE"))  # what a running ANALYZE holds
        loader.execute(text("SET lock_timeout = '5s'"))  # waiting instead of skipping fails here, not hangs
        assert "attendance" in analyze_grown(loader, {"aanwezigheid"}, growth=0)
        loader.commit()
        holder.rollback()
    with engine.connect() as conn:
        after = dict(conn.execute(text(analysed)).all())
    engine.dispose()
    assert after["attendance"] == before["attendance"]
    assert after["child_number"] == before["child_number"] + 1


def test_the_cycle_collector_runs_again_after_an_ingest_also_one_that_failed(engine, backpack, tmp_path):
    """Ingest pauses Python's cycle collector while it reads and loads an inbox; it runs again afterwards, whether
    the ingest ended normally or halfway with an error, and stays off when it was off before."""
    def interrupted(files: int) -> None:
        raise KeyboardInterrupt

    files = [write_csv(tmp_path / "planning.csv", planning(session())),
             write_csv(tmp_path / "a.csv", attendance(present("1001")))]
    assert [r.status for r in ingest_files(engine, backpack, files, KEY)] == ["loaded", "loaded"]
    assert gc.isenabled()
    with pytest.raises(KeyboardInterrupt):
        ingest_files(engine, backpack, [write_csv(tmp_path / "b.csv", attendance(present("1002")))], KEY,
                     progress=interrupted)
    assert gc.isenabled()
    gc.disable()
    try:
        assert ingest_files(engine, backpack, [write_csv(tmp_path / "c.csv", attendance(present("1003")))],
                            KEY)[0].status == "loaded"
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_rows_that_do_not_add_up_stop_the_load_with_the_counts(engine, backpack, tmp_path):
    """Every row read is loaded or quarantined, once. A fault in the code that breaks this (here a valid row failed
    but not taken from the valid ones, as a check that forgets its second half would) stops the load, naming the
    counts: a check that raises, where a bare `assert` would be gone under `python -O` (ruff's S101 keeps asserts
    out of the code) and the ledger would count the row twice."""
    data = write_csv(tmp_path / "planning.csv", planning(session(), session(title="Dans"))).read_bytes()
    sheet = parse_sheet(data, ".csv")
    [validated] = validate_many([(sheet, recognise(sheet, backpack, "planning.csv"))], backpack, KEY,
                                dt.date(2024, 9, 13))
    assert (validated.rows_read, len(validated.valid), len(validated.failed)) == (2, 2, 0)
    validated.fail(validated.valid.index[1], "Activiteit", "Dans", "een reden die de rij niet uit `valid` haalt")
    ledger = dict(coalition=backpack.slug, file_name="planning.csv", sha256="0" * 64, size_bytes=len(data),
                  received_at=dt.datetime(2024, 9, 13), source="activiteiten", status="loaded")
    with engine.begin() as conn, pytest.raises(ReconciliationError) as refused:
        load_many(conn, backpack, [(validated, ledger)])
    assert str(refused.value) == "de telling klopt niet: 2 rijen gelezen, maar 2 geladen en 1 in quarantaine"
    with engine.connect() as conn:  # unchecked, the file would be in the ledger with a row loaded and quarantined
        assert conn.execute(select(func.count()).select_from(Delivery)).scalar() == 0
