"""Nothing lost, nothing leaked, nothing blocked at load (issue 20): one test per defect, row counts before and after."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import openpyxl
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import event, func, select, text

from kansenmonitor.config import SourceMapping
from kansenmonitor.db import ActivitySession, Attendance, Delivery, QuarantinedRow, QuarantineReason, Spending
from kansenmonitor.migrate import alembic_config
from tasks.ingest.correction_workbook import write_correction_workbook
from tasks.ingest.failures import by_source, failed_rows, write_correction_csvs
from tasks.ingest.files import ingest_file, ingest_files
from tasks.ingest.pseudonymise import DEMO_KEY, MissingKeyError, pseudonym_key
from tests.deliveries import attendance, planning, present, session, write_csv
from tests.test_security import login_as  # noqa: F401 - the fixture

KEY = b"a-deployment-key-of-at-least-32-bytes!"
SCHEMA = ScriptDirectory.from_config(alembic_config()).get_current_head()  # the newest migration's revision
SPENDING_HEADER = ["Datum", "Wijk", "Bestedingspunt", "Omschrijving", "Bedrag"]


def count(engine, model, current_only=True) -> int:
    query = select(func.count()).select_from(model)
    if current_only:
        query = query.where(model.superseded_by.is_(None))
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def open_failures(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(QuarantinedRow)
                            .where(QuarantinedRow.resolved_by.is_(None))).scalar()


def ledger(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(select(Delivery.file_name, Delivery.status, Delivery.rows_loaded,
                                   Delivery.rows_quarantined).order_by(Delivery.id)).all()


# --- 1: values the database cannot hold --------------------------------------------------------------------

def test_values_beyond_the_database_are_failures_and_the_batch_goes_on(engine, backpack, coevorden, tmp_path):
    """An amount over Numeric(14, 2) and a title over String(300) fail with a reason, on PostgreSQL (where COPY
    refused them and blocked the inbox) and SQLite (which stored them)."""
    spending = write_csv(tmp_path / "bestedingen.csv", [
        SPENDING_HEADER,
        ["10-10-2023", "Coevorden", "1", "Boeken", "1.000.000.000.000,00"],   # 10^12: one more than fits
        ["11-10-2023", "Coevorden", "1", "Boeken", "999.999.999.999,99"],     # the largest that fits
        ["12-10-2023", "Coevorden", "2", "Spel", "-1.000.000.000.000,00"],
        ["13-10-2023", "Coevorden", "2", "Spel", "12,50"]])
    assert count(engine, Spending) == 0
    results = ingest_files(engine, coevorden, [spending], KEY)
    assert [(r.status, r.rows_read, r.rows_loaded, r.rows_quarantined) for r in results] == [("loaded", 4, 2, 2)]
    assert count(engine, Spending) == 2
    with engine.connect() as conn:
        assert sorted(round(float(a), 2) for a in conn.execute(select(Spending.amount)).scalars()) == [
            12.5, 999999999999.99]
    reasons = [(r.row, c, v, why) for r in failed_rows(engine, file="bestedingen.csv") for c, v, why in r.reasons]
    too_large = "bedrag is te groot: hoogstens 999.999.999.999,99 past in de database"
    assert reasons == [(2, "Bedrag", "1.000.000.000.000,00", too_large),
                       (4, "Bedrag", "-1.000.000.000.000,00", too_large)]

    # A place name longer than the column (here from the configuration: the contract has no length for it).
    long_name = "Coevorden " + "x" * 191
    areas = [coevorden.areas[0].model_copy(update={"name": long_name, "aliases": []}), *coevorden.areas[1:]]
    long_config = coevorden.model_copy(update={"areas": areas})
    place = write_csv(tmp_path / "bestedingen2.csv", [SPENDING_HEADER, ["14-10-2023", long_name, "1", "Les", "5,00"]])
    later = write_csv(tmp_path / "bestedingen3.csv", [SPENDING_HEADER, ["15-10-2023", "Coevorden Centrum", "1", "Les",
                                                                        "7,00"]])
    results = ingest_files(engine, long_config, [place, later], KEY)
    assert [(r.file, r.status, r.rows_loaded, r.rows_quarantined) for r in results] == [
        ("bestedingen2.csv", "loaded", 0, 1), ("bestedingen3.csv", "loaded", 1, 0)]
    assert count(engine, Spending) == 3
    assert [(c, v, why) for r in failed_rows(engine, file="bestedingen2.csv") for c, v, why in r.reasons] == [
        ("Wijk", long_name, "tekst is te lang: hoogstens 200 tekens passen in de database")]


def test_a_sheet_name_longer_than_the_ledger_holds_rejects_that_file_only(engine, backpack, tmp_path):
    name = "Planning " + "x" * 200
    path = tmp_path / "planning.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    with pytest.warns(UserWarning):  # openpyxl: Excel itself would not read a title over 31 characters
        sheet.title = name
    for row in planning(session()):
        sheet.append(row)
    workbook.save(path)
    later = write_csv(tmp_path / "planning2.csv", planning(session(title="Dans")))
    results = ingest_files(engine, backpack, [path, later], KEY)
    assert [(r.status, r.message) for r in results] == [
        ("rejected", "de naam van het werkblad is 209 tekens lang; hoogstens 200 passen in de database: geef het "
                     "werkblad een kortere naam"), ("loaded", "")]
    assert count(engine, ActivitySession) == 1


def test_a_load_that_fails_anyway_records_that_file_and_the_inbox_goes_on(engine, backpack, tmp_path):
    """A fault no check foresaw (here a trigger the database administrator added) fails that file alone; the next
    run does not stumble over it again."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                              "IF NEW.title = 'Vergiftigd' THEN RAISE EXCEPTION 'geweigerd door de beheerder'; "
                              "END IF; RETURN NEW; END $$"))
            conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON activity_session FOR EACH ROW "
                              "EXECUTE FUNCTION refuse()"))
        else:
            conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON activity_session WHEN NEW.title = 'Vergiftigd' "
                              "BEGIN SELECT RAISE(ABORT, 'geweigerd door de beheerder'); END"))
    poisoned = write_csv(tmp_path / "a-planning.csv", planning(session(title="Vergiftigd")))
    fine = write_csv(tmp_path / "b-planning.csv", planning(session(title="Dans")))
    results = ingest_files(engine, backpack, [poisoned, fine], KEY)
    assert [(r.file, r.status) for r in results] == [("a-planning.csv", "failed"), ("b-planning.csv", "loaded")]
    assert results[0].message.startswith("laden mislukt (")
    assert "geweigerd door de beheerder" in results[0].message
    assert ledger(engine) == [("a-planning.csv", "failed", 0, 0), ("b-planning.csv", "loaded", 1, 0)]
    assert count(engine, ActivitySession) == 1
    again = ingest_files(engine, backpack, [poisoned, fine], KEY)
    assert [r.status for r in again] == ["duplicate", "duplicate"]
    assert again[0].message.startswith("dit bestand is al eerder geweigerd (laden mislukt")
    with engine.connect() as conn:
        assert conn.execute(select(Delivery.refusal_cause, Delivery.refusal_context)
                            .where(Delivery.status == "failed")).one() == (
            "load", f"kansenmonitor 0.1.0, schema {SCHEMA}")


# --- 4: a corrected file supersedes its earlier version whole ------------------------------------------------

@pytest.fixture
def planned(engine, backpack, tmp_path):
    ingest_file(engine, backpack, write_csv(tmp_path / "planning.csv", planning(session())), KEY)
    return engine


def test_a_corrected_file_under_the_same_name_supersedes_the_earlier_version_whole(planned, backpack, tmp_path):
    engine = planned
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first = write_csv(inbox / "aanwezigheid.csv", attendance(present("1001"), present("1002"), present("1003")))
    ingest_file(engine, backpack, first, KEY)
    assert (count(engine, Attendance), count(engine, Attendance, current_only=False)) == (3, 3)

    fixed = write_csv(inbox / "aanwezigheid.csv", attendance(present("1001"), present("1002"), present("1004")))
    assert ingest_file(engine, backpack, fixed, KEY).status == "loaded"
    assert (count(engine, Attendance), count(engine, Attendance, current_only=False)) == (3, 6)  # was 4 current

    shorter = write_csv(inbox / "aanwezigheid.csv", attendance(present("1001"), present("1004")))
    assert ingest_file(engine, backpack, shorter, KEY).status == "loaded"
    assert (count(engine, Attendance), count(engine, Attendance, current_only=False)) == (2, 8)  # was 3 current
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(Delivery.id))).scalar()
        assert set(conn.execute(select(Attendance.delivery_id).where(Attendance.superseded_by.is_(None)))
                   .scalars()) == {newest}


def test_a_correction_sheet_supersedes_only_the_rows_it_carries(planned, backpack, tmp_path):
    engine = planned
    ingest_file(engine, backpack, write_csv(tmp_path / "aanwezigheid.csv", attendance(
        present("1001"), present("1002", group="11"), present("1003", group="12"))), KEY)
    assert (count(engine, Attendance), open_failures(engine)) == (1, 2)
    for failure in failed_rows(engine):
        sheet = tmp_path / f"correcties-{failure.id}.csv"
        write_correction_csvs([failure], sheet)
        rows = list(csv.reader(sheet.open(encoding="utf-8-sig"), delimiter=";"))
        rows[1][rows[0].index("Groep")] = "5"
        target = tmp_path / "correcties.csv"  # the same name both times, as a steward would save it
        write_csv(target, rows)
        assert ingest_file(engine, backpack, target, KEY).rows_loaded == 1
    assert (count(engine, Attendance), open_failures(engine)) == (3, 0)


# --- 10: superseding is an index lookup, linear in the file's size -------------------------------------------

def _statements_of_a_correction(engine, backpack, tmp_path, pupils: int) -> list[str]:
    first = 100 * pupils  # pupils of this file only
    ingest_file(engine, backpack, write_csv(tmp_path / f"a{pupils}.csv", attendance(
        *[present(str(first + p)) for p in range(pupils)])), KEY)
    corrected = write_csv(tmp_path / f"a{pupils}.csv", attendance(
        *[present(str(first + p), marker="nee" if p == 0 else "ja") for p in range(pupils)]))
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert ingest_file(engine, backpack, corrected, KEY).rows_loaded == pupils
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return [s for s in seen if s.lstrip().upper().startswith("UPDATE")]


def test_superseding_takes_the_same_statements_whatever_the_size_and_lists_no_keys(planned, backpack, tmp_path):
    small = _statements_of_a_correction(planned, backpack, tmp_path, 40)
    large = _statements_of_a_correction(planned, backpack, tmp_path, 1600)
    assert len(small) == len(large) == 2  # supersede by name, by key (no failures open: nothing to resolve)
    assert small == large
    assert "delivery.file_name" in large[0] and "key_hash" in large[1] and "1599" not in large[1]
    assert count(planned, Attendance) == 1640


@contextmanager
def _explained(engine, wanted: Callable[[str], bool]) -> Iterator[list[tuple[str, dict, str, tuple]]]:
    """Per statement `wanted` picks, as the load runs it: the statement, its values, its plan (EXPLAIN in the same
    transaction with the same values) and whether psycopg prepared anything (its threshold, the session's count)."""
    seen = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if wanted(statement):
            seen.append((statement, parameters, _plan(cursor.connection, statement, parameters),
                         (cursor.connection.prepare_threshold, cursor.connection.execute(
                             "SELECT count(*) FROM pg_prepared_statements").fetchone()[0])))

    event.listen(engine, "after_cursor_execute", explain)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", explain)


def _plan(connection, statement: str, parameters: dict) -> str:
    from psycopg import sql

    with connection.cursor() as own:
        own.execute(sql.SQL("EXPLAIN ") + sql.SQL(statement), parameters)
        return "\n".join(row[0] for row in own.fetchall())


def _coalition_of_20000_current_rows(pg_url, backpack, tmp_path):
    """A PostgreSQL database whose attendance holds 20,000 current rows of one coalition (pupils 10000 to 29999),
    ANALYZEd: where a plan without the index reads them all."""
    from kansenmonitor.db import make_engine
    from kansenmonitor.migrate import migrate

    migrate(pg_url)
    engine = make_engine(pg_url)
    ingest_file(engine, backpack, write_csv(tmp_path / "planning.csv", planning(session())), KEY)
    ingest_file(engine, backpack, write_csv(tmp_path / "a.csv", attendance(
        *[present(str(10_000 + p)) for p in range(20_000)])), KEY)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE attendance"))
    return engine


def test_the_supersede_is_planned_for_its_keys_and_looks_them_up_in_the_index(pg_url, backpack, tmp_path):
    """On PostgreSQL, in a coalition of 20,000 current rows: psycopg prepares nothing on the server (so no statement
    runs on a generic plan, however often it repeats), and the supersede-by-key statement the load issues, planned
    for its values, reads the compact index, not the coalition."""
    engine = _coalition_of_20000_current_rows(pg_url, backpack, tmp_path)
    with _explained(engine, lambda s: s.startswith("UPDATE attendance") and "key_hash" in s) as seen:
        for n in range(8):  # more than psycopg's default of 5 runs before it would prepare a statement
            corrected = ingest_file(engine, backpack, write_csv(tmp_path / f"b{n}.csv", attendance(
                *[present(str(10_000 + p), marker="nee" if n % 2 else "ja") for p in range(3 + n)])), KEY)
            assert (corrected.status, corrected.rows_loaded) == ("loaded", 3 + n)
    current = count(engine, Attendance)
    engine.dispose()
    assert ([prepared for *_, prepared in seen], current) == ([(None, 0)] * 8, 20_000)  # the session holds nothing
    plan = seen[-1][2]
    assert "ix_attendance_current" in plan and "Seq Scan on attendance" not in plan, plan


def test_the_batch_supersede_looks_its_digests_up_in_the_index(pg_url, backpack, tmp_path):
    """The same for a batch of files (`_supersede_stored`): the stored rows are found by joining `unnest(digests)` to
    the compact index, and superseded by their ids through the primary key; nothing prepared. Without the index
    the same lookup, planned for the same values, would read the coalition's 20,000 rows: the table is big enough
    for the plan to tell."""
    engine = _coalition_of_20000_current_rows(pg_url, backpack, tmp_path)
    batch = [write_csv(tmp_path / "b1.csv", attendance(*[present(str(10_000 + p), marker="nee") for p in range(3)])),
             write_csv(tmp_path / "b2.csv", attendance(*[present(str(10_002 + p), marker="nee") for p in range(4)]))]
    with _explained(engine, lambda s: "unnest" in s and s.startswith(("SELECT attendance.id", "UPDATE attendance"))) \
            as seen:
        results = ingest_files(engine, backpack, batch, KEY)
    assert [(r.status, r.rows_loaded) for r in results] == [("loaded", 3), ("loaded", 4)]
    # 10000 to 10005 delivered again (10002 twice: b2's replaces b1's), so still 20,000 current rows, 7 replaced
    assert (count(engine, Attendance), count(engine, Attendance, current_only=False)) == (20_000, 20_007)
    (lookup, values, found, lookup_prepared), (_, _, superseded, update_prepared) = seen
    assert (lookup_prepared, update_prepared) == ((None, 0), (None, 0))
    assert "ix_attendance_current" in found and "Seq Scan on attendance" not in found, found
    assert "attendance_pkey" in superseded and "Seq Scan on attendance" not in superseded, superseded
    with engine.connect() as conn:
        conn.execute(text("DROP INDEX ix_attendance_current"))  # rolled back below
        unindexed = _plan(conn.connection.driver_connection, lookup, values)
        conn.rollback()
    engine.dispose()
    assert "Seq Scan on attendance" in unindexed, unindexed


# --- 5: quarantine keeps the contract's columns only ---------------------------------------------------------

def test_quarantine_keeps_only_the_contract_columns_and_names_the_others(planned, backpack, tmp_path):
    engine = planned
    header = ["Datum", "Activiteit", "Dorp", "School", "Groep", "Leerling", "Aanwezig", "Naam", "Naam leerling",
              "Geboortedatum", "BSN"]
    path = write_csv(tmp_path / "aanwezigheid.csv", [
        header, present("1001") + ["Anna de Vries", "Anna", "03-04-2015", "123456782"],
        present("1002", school="Onbekend") + ["Bram Bakker", "Bram", "05-06-2015", "987654321"]])
    assert open_failures(engine) == 0
    result = ingest_file(engine, backpack, path, KEY)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    (failure,) = failed_rows(engine)
    assert list(failure.raw) == ["Datum", "Activiteit", "Dorp", "School", "Groep", "Leerling", "Aanwezig"]
    assert failure.reasons[-1] == (None, None, "kolommen buiten de aanleverspecificatie zijn niet bewaard: Naam, "
                                               "Naam leerling, Geboortedatum, BSN")
    with engine.connect() as conn:
        stored = json.dumps([list(r) for r in conn.execute(select(QuarantinedRow.raw)).all()] +
                            [list(r) for r in conn.execute(select(QuarantineReason.value)).all()])
    for personal in ("Bram", "Anna", "Bakker", "05-06-2015", "987654321", "123456782"):
        assert personal not in stored
    header = ["Correctie-ID", "Bestand", "Werkblad", "Rij", "Reden", "Datum", "Activiteit", "Dorp", "School", "Groep", "Leerling",
              "Aanwezig"]
    xlsx = write_correction_workbook(by_source([failure]), tmp_path / "correcties.xlsx")
    assert [c.value for c in next(openpyxl.load_workbook(xlsx).active.iter_rows())] == header
    for sheet in [xlsx, *write_correction_csvs([failure], tmp_path / "correcties.csv")]:
        written = sheet.read_bytes() if sheet.suffix == ".csv" else json.dumps(
            [[c.value for c in row] for row in openpyxl.load_workbook(sheet).active.iter_rows()], default=str).encode()
        assert b"Bram" not in written and b"987654321" not in written and b"05-06-2015" not in written


# --- 6: a refusal whose cause lies outside the file is retried when that cause changes -----------------------

def test_a_file_refused_for_the_size_cap_is_retried_when_the_cap_changes(engine, backpack, tmp_path):
    path = write_csv(tmp_path / "planning.csv", planning(*[session(title=f"Les {n}") for n in range(3000)]))
    small = backpack.model_copy(update={"max_file_mb": 0.05})
    assert ingest_file(engine, small, path, KEY).status == "rejected"
    assert ingest_file(engine, small, path, KEY).status == "duplicate"  # nothing changed: no second row
    assert count(engine, ActivitySession) == 0
    result = ingest_file(engine, backpack, path, KEY)
    assert (result.status, result.rows_loaded) == ("loaded", 3000)
    assert count(engine, ActivitySession) == 3000
    with engine.connect() as conn:
        rows = conn.execute(select(Delivery.id, Delivery.status, Delivery.refusal_cause, Delivery.refusal_context,
                                   Delivery.retried_at.is_not(None), Delivery.retry_of).order_by(Delivery.id)).all()
    assert [row[1:] for row in rows] == [("rejected", "size", "max_file_mb=0.05", True, None),
                                         ("loaded", None, None, False, rows[0][0])]
    assert ingest_file(engine, backpack, path, KEY).status == "duplicate"


def test_a_file_refused_for_its_headers_is_retried_when_the_configuration_maps_them(engine, backpack, tmp_path):
    header = ["Datum", "Naam activiteit", "Dorp", "Doelgroep", "Thema 1", "Thema 2", "Soort", "Begeleiders"]
    path = write_csv(tmp_path / "planning.csv", [header, session(), session(title="Dans")])
    first = ingest_file(engine, backpack, path, KEY)
    assert first.status == "rejected" and first.message.startswith("bron niet herkend")
    mapped = backpack.model_copy(update={"sources": {
        **backpack.sources, "activiteiten": SourceMapping(columns={"title": "Naam activiteit"})}})
    result = ingest_file(engine, mapped, path, KEY)
    assert (result.status, result.rows_loaded) == ("loaded", 2)
    assert count(engine, ActivitySession) == 2
    with engine.connect() as conn:
        assert conn.execute(select(Delivery.status, Delivery.refusal_cause, Delivery.retried_at.is_not(None))
                            .order_by(Delivery.id)).all() == [("rejected", "configuration", True),
                                                              ("loaded", None, False)]


def test_a_file_refused_for_its_own_content_stays_refused(engine, backpack, tmp_path):
    path = tmp_path / "leeg.csv"
    path.write_text("", encoding="utf-8")
    assert ingest_file(engine, backpack, path, KEY).status == "rejected"
    other = backpack.model_copy(update={"max_file_mb": 10})
    again = ingest_file(engine, other, path, KEY)
    assert (again.status, again.message) == (
        "duplicate", "dit bestand is al eerder geweigerd (bestand is leeg: er staat geen enkele gevulde regel in); "
                     "er verandert niets")
    assert len(ledger(engine)) == 1



def test_the_same_refused_bytes_twice_in_one_inbox_are_refused_once(engine, backpack, tmp_path):
    """Ingest reads the coalition's ledger once before the inbox; a file refused while the inbox is read is still
    what an identical file later in the same inbox is a duplicate of."""
    empty, copy = tmp_path / "leeg.csv", tmp_path / "leeg-kopie.csv"
    for path in (empty, copy):
        path.write_text("", encoding="utf-8")
    results = ingest_files(engine, backpack, [empty, copy], KEY)
    assert [(r.file, r.status, r.message) for r in results] == [
        ("leeg.csv", "rejected", "bestand is leeg: er staat geen enkele gevulde regel in"),
        ("leeg-kopie.csv", "duplicate", "dit bestand is al eerder geweigerd (bestand is leeg: er staat geen enkele "
                                        "gevulde regel in); er verandert niets")]
    assert len(ledger(engine)) == 1

# --- 11: pseudonym keys ------------------------------------------------------------------------------------

def test_a_key_shorter_than_32_bytes_is_refused_outside_demo_mode(monkeypatch):
    for weak in ("a", " ", "x" * 31):
        monkeypatch.setenv("KANSENMONITOR_PSEUDONYM_KEY", weak)
        with pytest.raises(MissingKeyError) as refused:
            pseudonym_key()
        assert str(refused.value).startswith(
            f"de pseudonimiseringssleutel (KANSENMONITOR_PSEUDONYM_KEY of KANSENMONITOR_PSEUDONYM_SECRET_BLOCK) is "
            f"{len(weak)} bytes lang; kansenmonitor vraagt er minstens 32")
        assert pseudonym_key(demo=True) == weak.encode()
    monkeypatch.setenv("KANSENMONITOR_PSEUDONYM_KEY", "x" * 32)
    assert pseudonym_key() == b"x" * 32


def test_the_demo_key_and_a_real_key_never_meet_in_one_database(engine, backpack, tmp_path):
    plan = write_csv(tmp_path / "planning.csv", planning(session()))
    ingest_file(engine, backpack, plan, KEY)
    path = write_csv(tmp_path / "a.csv", attendance(present("1001")))
    with pytest.raises(MissingKeyError, match="de openbare demosleutel \\(--demo\\) wordt hier geweigerd"):
        ingest_file(engine, backpack, path, DEMO_KEY.encode())
    assert count(engine, Attendance) == 0
    with engine.begin() as conn:  # a database from before the key was recorded, holding deliveries
        conn.execute(text("DELETE FROM pseudonym_key_check"))
    with pytest.raises(MissingKeyError):
        ingest_file(engine, backpack, path, DEMO_KEY.encode())
    assert ingest_file(engine, backpack, path, KEY).rows_loaded == 1
    assert count(engine, Attendance) == 1


def test_a_demo_database_refuses_a_real_key(engine, backpack, tmp_path):
    ingest_file(engine, backpack, write_csv(tmp_path / "planning.csv", planning(session())), DEMO_KEY.encode())
    with pytest.raises(MissingKeyError, match="deze database is een demodatabase"):
        ingest_file(engine, backpack, write_csv(tmp_path / "a.csv", attendance(present("1001"))), KEY)
    assert count(engine, Attendance) == 0


# --- 15: a failure is one failure however many deliveries repeat it ------------------------------------------

def test_the_same_failing_records_in_another_file_are_one_failure_and_one_correction_closes_them(
        planned, backpack, tmp_path):
    engine = planned
    rows = [present("1001"), present("1002", area="Onbekenddorp"), present("1003", group="11")]
    write_csv(tmp_path / "aanwezigheid_week1.csv", attendance(*rows))
    write_csv(tmp_path / "kopie.csv", attendance(*rows), separator=",")
    assert open_failures(engine) == 0
    ingest_file(engine, backpack, tmp_path / "aanwezigheid_week1.csv", KEY)
    assert open_failures(engine) == 2
    copy = ingest_file(engine, backpack, tmp_path / "kopie.csv", KEY)
    assert (copy.status, copy.rows_loaded, copy.rows_quarantined) == ("loaded", 1, 2)
    assert open_failures(engine) == 2  # was 4
    sheet = write_correction_csvs(failed_rows(engine), tmp_path / "correcties.csv")[0]
    lines = list(csv.reader(sheet.open(encoding="utf-8-sig"), delimiter=";"))
    assert len(lines) == 3
    header = lines[0]
    for line in lines[1:]:
        line[header.index("Dorp")] = "Valthermond"
        line[header.index("Groep")] = "5"
    write_csv(tmp_path / "terug.csv", lines)
    back = ingest_file(engine, backpack, tmp_path / "terug.csv", KEY)
    assert (back.rows_loaded, back.rows_quarantined) == (2, 0)
    assert open_failures(engine) == 0  # was 7
    assert count(engine, Attendance) == 3


# --- 14: append-only evidence (PostgreSQL roles) ---------------------------------------------------------------

def test_the_loader_supersedes_and_resolves_but_cannot_rewrite_evidence(login_as, pg_url, backpack,  # noqa: F811
                                                                        tmp_path):
    from kansenmonitor.db import make_engine
    from tests.test_security import _refused

    loader = login_as("kansenmonitor_loader")
    ingest_file(loader, backpack, write_csv(tmp_path / "planning.csv", planning(session())), KEY)
    ingest_file(loader, backpack, write_csv(tmp_path / "a.csv", attendance(present("1001"), present("1002", group="11"))),
                KEY)
    assert (count(loader, Attendance), open_failures(loader)) == (1, 1)
    corrected = ingest_file(loader, backpack, write_csv(tmp_path / "a.csv", attendance(
        present("1001", marker="nee"), present("1002", group="5"))), KEY)
    assert (corrected.status, corrected.rows_loaded) == ("loaded", 2)
    before = (count(loader, Attendance), count(loader, Attendance, current_only=False), open_failures(loader))
    assert before == (2, 3, 0)

    denied = "permission denied for table {}"
    assert _refused(loader, "UPDATE attendance SET pupil = 'x'") == denied.format("attendance")
    assert _refused(loader, "UPDATE attendance SET present = false") == denied.format("attendance")
    assert _refused(loader, "UPDATE quarantined_row SET raw = '{}'") == denied.format("quarantined_row")
    assert _refused(loader, "UPDATE quarantine_reason SET value = NULL") == denied.format("quarantine_reason")
    assert _refused(loader, "UPDATE delivery SET rows_loaded = 0") == denied.format("delivery")
    assert _refused(loader, "DELETE FROM quarantined_row") == denied.format("quarantined_row")
    assert _refused(loader, "UPDATE attendance SET superseded_by = NULL WHERE superseded_by IS NOT NULL") == \
        "bewijs wordt niet herschreven: attendance.superseded_by is al gezet"
    assert _refused(loader, "UPDATE quarantined_row SET resolved_by = NULL") == \
        "bewijs wordt niet herschreven: quarantined_row.resolved_by is al gezet"
    owner = make_engine(pg_url)  # the write-once rule binds the tables' owner too
    assert _refused(owner, "UPDATE attendance SET superseded_by = delivery_id WHERE superseded_by IS NOT NULL") == \
        "bewijs wordt niet herschreven: attendance.superseded_by is al gezet"
    owner.dispose()
    assert (count(loader, Attendance), count(loader, Attendance, current_only=False), open_failures(loader)) == before
