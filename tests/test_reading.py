"""Issue 20, reading the inbox: what hostile or unlucky files did to ingestion, each pinned by a real file.

Every test builds the files it needs and counts rows before and after, on PostgreSQL and SQLite where a
database is involved.
"""

from __future__ import annotations

import os
import random
import re
import sys
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from sqlalchemy import func, select
from typer.testing import CliRunner

from flows.cli import app
from kansenmonitor.db import ActivitySession, Delivery, QuarantinedRow
from tasks.ingest.failures import failed_rows
from tasks.ingest.files import ingest_file, ingest_files
from tasks.ingest.inbox import scan_inbox
from tasks.ingest.read import Sheet, parse_sheet
from tests.deliveries import PLANNING_HEADER, planning, session, write_csv, write_xlsx

KEY = b"reading-key"
ROOT = Path(__file__).resolve().parent.parent
BACKPACK = ROOT / "config" / "borger-odoorn.yaml"


def counts(engine) -> tuple[int, int, int]:
    """Ledger rows, current planned sessions and quarantined rows."""
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(model)).scalar()
                     for model in (Delivery, ActivitySession, QuarantinedRow))


def reasons(engine, file: str) -> list[tuple[int, str, str | None, str]]:
    return [(r.row, column, value, reason) for r in failed_rows(engine, file=file)
            for column, value, reason in r.reasons]


def sessions(count: int) -> list[list[object]]:
    return [session(title=f"Les {i}") for i in range(count)]


def rewrite_member(path: Path, member: str, change) -> None:
    """Replace one part of a workbook by `change(its bytes)`, as another program would have written it."""
    with zipfile.ZipFile(path) as original:
        parts = [(item, original.read(item)) for item in original.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as packed:
        for item, data in parts:
            packed.writestr(item, change(data) if item.filename == member else data)


# --- 2: an XLSX is read by its cells, not by the dimension it declares --------------------------------------

def test_an_xlsx_whose_declared_dimension_is_too_small_loses_no_row(engine, backpack, tmp_path):
    path = write_xlsx(tmp_path / "planning.xlsx", planning(*sessions(108)))
    rewrite_member(path, "xl/worksheets/sheet1.xml",
                   lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:C10"', xml))
    with zipfile.ZipFile(path) as archive:
        assert b'<dimension ref="A1:C10"' in archive.read("xl/worksheets/sheet1.xml")
    assert counts(engine) == (0, 0, 0)
    result = ingest_file(engine, backpack, path, KEY)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == ("loaded", 108, 108, 0)
    assert counts(engine) == (1, 108, 0)
    with engine.connect() as conn:
        assert conn.execute(select(func.max(ActivitySession.source_row), func.min(ActivitySession.supervisors))).one() \
            == (109, 3)  # the last row, and column H, which lies outside the declared A1:C10


# --- 3: a zip bomb under the expansion ratio is refused by absolute size and by time ------------------------

def test_an_xlsx_unpacking_beyond_the_absolute_limit_is_refused_under_the_ratio(engine, backpack, tmp_path):
    """6 MB of sheet behind 300 kB of random padding: 20 times, well under the ratio of 100."""
    path = write_xlsx(tmp_path / "opgeblazen.xlsx", planning(session()))
    cell = b'<row><c t="inlineStr"><is><t>Voetbal</t></is></c></row>'

    def blown_up(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", cell * (6_000_000 // len(cell)) + b"</sheetData>")

    rewrite_member(path, "xl/worksheets/sheet1.xml", blown_up)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as packed:
        packed.writestr("docProps/padding.bin", random.Random(20).randbytes(300_000))
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(i.file_size for i in archive.infolist())
    assert 6_000_000 < unpacked < 7_000_000 and unpacked / path.stat().st_size < 100
    limited = backpack.model_copy(update={"max_unpacked_mb": 5})
    result = ingest_file(engine, limited, path, KEY)
    assert result.status == "rejected"
    assert result.message == (
        f"XLSX pakt uit tot {unpacked / 1e6:.0f} MB, de grens is 5 MB (max_unpacked_mb); het bestand wordt niet "
        "gelezen. Lever zo veel gegevens aan als CSV of verdeeld over kleinere werkmappen")
    assert counts(engine) == (1, 0, 0)


def test_an_xlsx_that_takes_too_long_to_read_is_refused_in_time(engine, backpack, tmp_path):
    workbook = openpyxl.Workbook(write_only=True)  # streamed: writing 20,000 rows cell by cell takes minutes
    sheet = workbook.create_sheet()
    for row in planning(*sessions(20_000)):
        sheet.append(row)
    path = tmp_path / "traag.xlsx"
    workbook.save(path)
    limited = backpack.model_copy(update={"max_read_seconds": 0.05})
    started = time.monotonic()
    result = ingest_file(engine, limited, path, KEY)
    assert time.monotonic() - started < 10
    assert result.status == "rejected"
    assert re.fullmatch(r"XLSX is na 0\.05 seconden \(max_read_seconds\) nog niet gelezen, bij rij [0-9]+; het "
                        r"bestand is te groot of opgeblazen \(zip-bom\) en wordt niet gelezen\. Lever zo veel gegevens "
                        r"aan als CSV of verdeeld over kleinere werkmappen", result.message)
    assert int(re.search(r"bij rij ([0-9]+)", result.message).group(1)) < 20_000
    assert counts(engine) == (1, 0, 0)


# --- 7: a file still being written is not read ---------------------------------------------------------------

def test_a_file_still_being_written_waits_until_it_has_settled(engine, backpack, tmp_path, monkeypatch):
    monkeypatch.delenv("KANSENMONITOR_INBOX_SETTLE_SECONDS")  # the configuration's own wait: 60 seconds by default
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    whole = write_csv(tmp_path / "planning.csv", planning(*sessions(30))).read_bytes()
    arriving = inbox / "planning.csv"
    arriving.write_bytes(whole[:len(whole) * 2 // 3])  # an upload broken off mid-row
    for name in ("planning.csv.part", "~$planning.xlsx"):
        (inbox / name).write_bytes(whole)
        os.utime(inbox / name, (time.time() - 3600, time.time() - 3600))
    found = scan_inbox(inbox, backpack)
    assert found.files == []
    assert [(p.name, reason.split(";")[0]) for p, reason in found.skipped] == [
        ("planning.csv", "dit bestand is 0 seconden geleden nog gewijzigd en wordt misschien nog geschreven"),
        ("planning.csv.part", "dit is een tijdelijk of verborgen bestand (bijvoorbeeld een download die nog loopt) "
                              "en wordt overgeslagen"),
        ("~$planning.xlsx", "dit is een tijdelijk of verborgen bestand (bijvoorbeeld een download die nog loopt) "
                            "en wordt overgeslagen")]
    assert "zodra het 60 seconden ongewijzigd is (inbox_settle_seconds)" in found.skipped[0][1]
    assert counts(engine) == (0, 0, 0)

    arriving.write_bytes(whole)  # the upload completes, and a minute later nothing has changed
    os.utime(arriving, (time.time() - 61, time.time() - 61))
    found = scan_inbox(inbox, backpack)
    assert found.files == [arriving]
    [result] = ingest_files(engine, backpack, found.files, KEY)
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 30, 30)
    assert counts(engine) == (1, 30, 0)


def test_a_file_that_changes_while_it_is_read_is_not_stored(engine, backpack, tmp_path):
    path = write_csv(tmp_path / "planning.csv", planning(*sessions(20_000)))
    row = ";".join(map(str, session(title="Later"))).encode() + b"\r\n"
    stop = threading.Event()

    def append() -> None:
        while not stop.is_set():
            with path.open("ab") as handle:
                handle.write(row)
            time.sleep(0.001)

    writer = threading.Thread(target=append)
    writer.start()
    try:
        result = ingest_file(engine, backpack, path, KEY)
    finally:
        stop.set()
        writer.join()
    assert (result.status, result.rows_loaded) == ("skipped", 0)
    assert result.message.startswith("dit bestand veranderde terwijl het werd gelezen; er is niets opgeslagen")
    assert counts(engine) == (0, 0, 0)


# --- 9: a file in a form that cannot be read is reported, with what to deliver instead ------------------------

def test_unsupported_forms_get_a_ledger_row_and_say_what_to_deliver(prefect_harness, db_url, tmp_path):
    from kansenmonitor.db import make_engine

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    write_csv(inbox / "planning.csv", planning(session()))
    (inbox / "aanwezigheid.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))  # an OLE2 header
    (inbox / "enquete.ods").write_bytes(b"PK\x03\x04mimetypeapplication/vnd.oasis.opendocument.spreadsheet")
    (inbox / "planning-export").write_bytes(b"Datum;Activiteit\r\n12-09-2024;Voetbal\r\n")
    runner = CliRunner()
    command = ["ingest", "--config", str(BACKPACK), "--inbox", str(inbox), "--db", db_url, "--out", str(out)]
    first = runner.invoke(app, command, catch_exceptions=False, env={"COLUMNS": "500"})
    assert first.exit_code == 0, first.output
    console = " ".join(first.output.split())
    for expected in ("een Excel 97-2003-werkmap (.xls) wordt niet gelezen",
                     "een OpenDocument-rekenblad (.ods) wordt niet gelezen",
                     "het bestand heeft geen extensie"):
        assert expected in console
    page = (out / "validatie.html").read_text(encoding="utf-8")
    assert page.count("vorm niet ondersteund") == 3
    assert ("Dit bestand kan niet worden gelezen: een Excel 97-2003-werkmap (.xls) wordt niet gelezen; open het in "
            "Excel, kies Opslaan als &gt; Excel-werkmap (.xlsx) en lever dat bestand aan") in page
    assert ("Dit bestand kan niet worden gelezen: het bestand heeft geen extensie, dus niet te zien is wat voor "
            "bestand het is; lever het opnieuw aan als Excel-werkmap (.xlsx) of als CSV UTF-8 (.csv)") in page
    engine = make_engine(db_url)
    try:
        ledger = "SELECT file_name, status FROM delivery ORDER BY file_name"
        with engine.connect() as conn:
            expected = [("aanwezigheid.xls", "unsupported"), ("enquete.ods", "unsupported"),
                        ("planning-export", "unsupported"), ("planning.csv", "loaded")]
            assert [tuple(r) for r in conn.exec_driver_sql(ledger)] == expected
            assert counts(engine) == (4, 1, 0)
            again = runner.invoke(app, command, catch_exceptions=False, env={"COLUMNS": "500"})  # still in the inbox: still reported
            assert again.exit_code == 0 and " ".join(again.output.split()).count("wordt niet gelezen") == 2
            assert "het bestand heeft geen extensie" in " ".join(again.output.split())
            assert [tuple(r) for r in conn.exec_driver_sql(ledger)] == expected
            assert counts(engine) == (4, 1, 0)
    finally:
        engine.dispose()


# --- 12: encodings, duplicate headers, numbers as dates, formulas never computed -----------------------------

def test_a_csv_mixing_utf8_and_windows_1252_is_refused_with_the_line(engine, backpack, tmp_path):
    lines = [";".join(PLANNING_HEADER), *(";".join(map(str, s)) for s in sessions(5))]
    lines[1] = lines[1].replace("Les 0", "Café Olé")
    lines[4] = lines[4].replace("Les 3", "Crêpes bakken")
    data = b"\r\n".join(line.encode("cp1252" if number == 4 else "utf-8") for number, line in enumerate(lines))
    path = tmp_path / "planning.csv"
    path.write_bytes(data)
    result = ingest_file(engine, backpack, path, KEY)
    assert (result.status, result.message) == ("rejected", (
        "bestand mengt tekencoderingen: het is UTF-8, maar regel 5 is in een andere codering opgeslagen "
        "(waarschijnlijk Windows-1252); sla het hele bestand opnieuw op als CSV UTF-8"))
    assert counts(engine) == (1, 0, 0)

    whole = tmp_path / "planning-1252.csv"
    whole.write_bytes("\r\n".join(lines).encode("cp1252"))
    result = ingest_file(engine, backpack, whole, KEY)
    assert (result.status, result.rows_loaded) == ("loaded", 5)
    with engine.connect() as conn:
        titles = set(conn.execute(select(ActivitySession.title)).scalars())
    assert {"Café Olé", "Crêpes bakken"} <= titles
    assert counts(engine) == (2, 5, 0)


def test_a_header_twice_is_refused_naming_both_columns(engine, backpack, tmp_path):
    path = write_csv(tmp_path / "planning.csv", [[*PLANNING_HEADER, "activiteit "], [*session(), "Dans"]])
    result = ingest_file(engine, backpack, path, KEY)
    assert (result.status, result.message) == ("rejected", (
        "kolom 'activiteit' staat twee keer in de kopregel (kolommen B en I); geef elke kolom een eigen naam "
        "of verwijder de dubbele"))
    assert counts(engine) == (1, 0, 0)


def test_a_bare_number_in_a_csv_date_column_is_a_failure_but_an_excel_date_in_a_workbook(engine, backpack,
                                                                                          tmp_path):
    csv_path = write_csv(tmp_path / "planning.csv", planning(session(date="45550", title="Getal"),
                                                             session(title="Datum")))
    result = ingest_file(engine, backpack, csv_path, KEY)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert reasons(engine, "planning.csv") == [
        (2, "Datum", "45550", "een los getal is geen datum; verwacht dd-mm-jjjj, d-m-jjjj of jjjj-mm-dd (eventueel "
                              "met tijd hh:mm[:ss]) (alleen een Excel-werkmap kent datumgetallen)")]
    xlsx_path = write_xlsx(tmp_path / "planning.xlsx", planning(session(date=45550, title="Getal")))
    result = ingest_file(engine, backpack, xlsx_path, KEY)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (1, 1, 0)
    with engine.connect() as conn:
        assert conn.execute(select(ActivitySession.session_date).where(ActivitySession.title == "Getal")).scalar() \
            .isoformat() == "2024-09-15"  # 45550 days after 30-12-1899
    assert counts(engine) == (2, 2, 1)


def test_a_formula_without_a_computed_value_is_a_failure_naming_the_cell(engine, backpack, tmp_path):
    workbook = openpyxl.Workbook()  # openpyxl writes a formula as it was typed, without computing it
    for row in planning(session(title="Berekend", supervisors="=1+2"), session(title="Nooit berekend",
                                                                               supervisors="=2+2"),
                        session(title="Gewoon")):
        workbook.active.append(row)
    path = tmp_path / "planning.xlsx"
    workbook.save(path)
    rewrite_member(path, "xl/worksheets/sheet1.xml",
                   lambda xml: xml.replace(b"<f>1+2</f><v />", b"<f>1+2</f><v>3</v>"))
    with zipfile.ZipFile(path) as archive:
        assert b"<f>2+2</f><v />" in archive.read("xl/worksheets/sheet1.xml")
    result = ingest_file(engine, backpack, path, KEY)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    assert reasons(engine, "planning.xlsx") == [
        (3, "Begeleiders", None, "cel H3 bevat een formule zonder berekende waarde; open de werkmap in Excel of "
                                 "LibreOffice, laat hem herberekenen en sla hem opnieuw op")]
    with engine.connect() as conn:
        assert dict(conn.execute(select(ActivitySession.title, ActivitySession.supervisors)).tuples().all()) == {
            "Berekend": 3, "Gewoon": 3}
    assert counts(engine) == (1, 2, 1)


# --- 13: the inbox is not left -------------------------------------------------------------------------------

def test_links_and_devices_in_the_inbox_are_skipped_with_a_reason(engine, backpack, tmp_path):
    inbox, elsewhere = tmp_path / "inbox", tmp_path / "elders"
    inbox.mkdir()
    elsewhere.mkdir()
    write_csv(elsewhere / "planning.csv", planning(*sessions(4)))
    (inbox / "buiten.csv").symlink_to(elsewhere / "planning.csv")
    (inbox / "wachtwoorden.csv").symlink_to("/etc/passwd")
    (inbox / "terug.csv").symlink_to("../elders/planning.csv")
    os.mkfifo(inbox / "pijp.csv")
    (inbox / "map").mkdir()
    write_csv(inbox / "planning.csv", planning(session(title="Binnen")))
    found = scan_inbox(inbox, backpack)
    assert found.files == [inbox / "planning.csv"]
    link = ("dit is een snelkoppeling (symbolische link) en wordt niet gevolgd: de kansenmonitor leest alleen "
            "gewone bestanden die in de inbox zelf staan; zet het bestand zelf in de inbox")
    assert [(p.name, reason) for p, reason in found.skipped] == [
        ("buiten.csv", link),
        ("map", "dit is een map; bestanden in een map worden niet gelezen, zet ze direct in de inbox"),
        ("pijp.csv", "dit is geen gewoon bestand (maar een apparaat, pipe of socket) en wordt niet gelezen"),
        ("terug.csv", link), ("wachtwoorden.csv", link)]
    results = ingest_files(engine, backpack, found.files, KEY)
    assert [(r.file, r.status, r.rows_loaded) for r in results] == [("planning.csv", "loaded", 1)]
    with engine.connect() as conn:
        assert conn.execute(select(ActivitySession.title)).scalars().all() == ["Binnen"]
    assert counts(engine) == (1, 1, 0)


@pytest.mark.parametrize("text, encoding, looks_like", [
    ("Футбол;Валтермонд;Танцы;Новый Буйнен", "cp1251", "cp1251"),
    ("Łódź spotkanie;Zażółć gęślą jaźń", "cp1250", "cp1250"),
])
def test_a_csv_in_another_single_byte_encoding_is_refused_naming_it(engine, backpack, tmp_path, text, encoding,
                                                                    looks_like):
    path = tmp_path / "planning.csv"
    rows = [";".join(PLANNING_HEADER), *(f"12-09-2024;{text};Valthermond;5-8;Sport;Cultuur;vast;3" for _ in range(3))]
    path.write_bytes("\r\n".join(rows).encode(encoding))
    result = ingest_file(engine, backpack, path, KEY)
    assert (result.status, result.message) == ("rejected", f"onbekende tekencodering (het lijkt {looks_like}); "
                                                           "lever het bestand aan als UTF-8 of Windows-1252")
    assert counts(engine) == (1, 0, 0)



def _with_error_value(path: Path) -> Path:
    """A planning of two sessions whose first has #N/A for its supervisors, as a value pasted from a formula that
    failed is stored (`t="e"`)."""
    workbook = openpyxl.Workbook()
    for row in planning(session(title="Fout"), session(title="Gewoon", supervisors=3)):
        workbook.active.append(row)
    workbook.save(path)
    rewrite_member(path, "xl/worksheets/sheet1.xml",
                   lambda xml: xml.replace(b'<c r="H2" t="n"><v>3</v></c>', b'<c r="H2" t="e"><v>#N/A</v></c>'))
    with zipfile.ZipFile(path) as archive:
        assert b'<c r="H2" t="e"><v>#N/A</v></c>' in archive.read("xl/worksheets/sheet1.xml")
    return path


def test_an_error_value_in_a_workbook_is_shown_as_excel_shows_it(engine, backpack, tmp_path):
    """A value pasted from a formula that failed (#N/A) is kept as Excel shows it, so the steward sees it."""
    result = ingest_file(engine, backpack, _with_error_value(tmp_path / "planning.xlsx"), KEY)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert reasons(engine, "planning.xlsx") == [(2, "Begeleiders", "#N/A", "geen geheel getal")]

def _readers_of(data: bytes) -> tuple[set[str], Sheet]:
    """Which reader read the cells of the workbook `data` (`parse_sheet`), and what it read: a profile hook hears
    every call, calamine's `to_python` of a sheet and any function of openpyxl's package alike."""
    package = str(Path(openpyxl.__file__).parent)
    ran = set()

    def hear(frame, event, arg):
        if event == "c_call" and isinstance(getattr(arg, "__self__", None), python_calamine.CalamineSheet):
            ran.add("calamine")
        elif event == "call" and frame.f_code.co_filename.startswith(package):
            ran.add("openpyxl")

    sys.setprofile(hear)
    try:
        sheet = parse_sheet(data, ".xlsx")
    finally:
        sys.setprofile(None)
    return ran, sheet


def test_a_plain_workbook_is_read_by_calamine_and_one_with_an_error_value_by_openpyxl(tmp_path):
    """The fast reader is the one that reads an ordinary workbook: not a line of openpyxl runs. A workbook with an
    error value, which calamine would leave empty, is read by openpyxl instead, and the same hook hears that."""
    plain = write_xlsx(tmp_path / "planning.xlsx", planning(session(title="Gewoon")))
    ran, sheet = _readers_of(plain.read_bytes())
    assert ran == {"calamine"}
    assert (sheet.rows, sheet.row_numbers) == ([PLANNING_HEADER, ["12-09-2024", "Gewoon", "Valthermond", "5-8",
                                                                   "Sport", "Cultuur", "vast", "3"]], [1, 2])
    ran, sheet = _readers_of(_with_error_value(tmp_path / "fout.xlsx").read_bytes())
    assert ran == {"openpyxl"}
    assert [row[7] for row in sheet.rows[1:]] == ["#N/A", "3"]


# --- issue 14: each file of an inbox is opened, read and recognised once ---------------------------------------

OPENED: dict[Path, list[str]] = {}  # folder watched -> the names of the files opened in it, once per opening


def _note_opening(event: str, args: tuple) -> None:
    """Python's audit hook sees every opening of a file by Python code (open, Path.open, os.open, zipfile)."""
    if event == "open" and OPENED and isinstance(args[0], (str, bytes, os.PathLike)):
        path = Path(os.fsdecode(args[0]))
        if path.parent in OPENED:
            OPENED[path.parent].append(path.name)


sys.addaudithook(_note_opening)  # a hook stays for the life of the process; it counts only watched folders


def test_each_file_of_an_inbox_is_opened_once_and_the_planning_still_loads_first(engine, backpack, tmp_path):
    from tests.deliveries import attendance, present

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # By name the attendance comes first; it refers to the planning, so it can only load after it.
    write_csv(inbox / "aanwezigheid.csv", attendance(present("101"), present("102")))
    write_xlsx(inbox / "export.xlsx", planning(session(title="Dans", theme_1="Cultuur")))
    write_csv(inbox / "planning.csv", planning(session()))
    write_csv(inbox / "zomaar.csv", [["Naam", "Leeftijd"], ["x", "9"]])
    (inbox / "oud.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    names = ["aanwezigheid.csv", "export.xlsx", "oud.xls", "planning.csv", "zomaar.csv"]
    OPENED[inbox.resolve()] = opened = []
    try:
        files = scan_inbox(inbox, backpack).files
        assert opened == []  # finding the files opens none of them
        results = ingest_files(engine, backpack, files, KEY)
        assert sorted(opened) == names
        assert [(r.file, r.status, r.rows_loaded, r.rows_quarantined) for r in results] == [
            ("aanwezigheid.csv", "loaded", 2, 0), ("export.xlsx", "loaded", 1, 0), ("oud.xls", "unsupported", 0, 0),
            ("planning.csv", "loaded", 1, 0), ("zomaar.csv", "rejected", 0, 0)]
        opened.clear()
        again = ingest_files(engine, backpack, scan_inbox(inbox, backpack).files, KEY)
        assert sorted(opened) == names  # a second delivery is known by its checksum: read once, not parsed
        assert [r.status for r in again] == ["duplicate", "duplicate", "unsupported", "duplicate", "duplicate"]
    finally:
        del OPENED[inbox.resolve()]
    assert counts(engine) == (5, 2, 0)
