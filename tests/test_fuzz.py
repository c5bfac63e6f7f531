"""Bad input never crashes ingestion: every file is loaded row by row, quarantined row by row, or rejected whole.

A corpus of malformed files (`tests/malformed/`) pins the reasons; hypothesis mutates valid deliveries and
generates cells for every parser to look for the cases nobody thought of.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import itertools
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from kansenmonitor.db import FACT_TABLES, Delivery, QuarantinedRow, make_engine
from kansenmonitor.migrate import migrate
from tasks.ingest.files import ingest_file
from tasks.ingest.parse import PARSERS
from tasks.ingest.read import DeliveryRejected, read_sheet
from tests.deliveries import ATTENDANCE_HEADER, PLANNING_HEADER, present, session, write_csv, write_xlsx

KEY = b"fuzz-key"
CORPUS = Path(__file__).parent / "malformed"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                         HealthCheck.too_slow])

REJECTED = {
    "control_characters.csv": "bestand bevat een stuurteken (U+001B) op regel 2",
    "empty.csv": "bestand is leeg: er staat geen enkele gevulde regel in",
    "only_separators.csv": "bestand is leeg: er staat geen enkele gevulde regel in",
    "gzip_renamed.csv": "bestand bevat binaire gegevens (NUL-tekens)",
    "nul_bytes.csv": "bestand bevat binaire gegevens (NUL-tekens)",
    "no_header.csv": "bron niet herkend: geen kopregel gevonden met kolommen uit de aanleverspecificatie",
    "not_really.xlsx": "bestand heet .xlsx maar is geen Excel-werkmap",
    "only_header.csv": "bestand bevat alleen een kopregel en geen gegevensregels",
    "only_title_and_header.csv": "bestand bevat alleen een kopregel en geen gegevensregels",
    "shift_jis.csv": "onbekende tekencodering (het lijkt cp932); lever het bestand aan als UTF-8 of Windows-1252",
    "truncated.xlsx": "bestand is geen geldig XLSX-bestand (beschadigde zip)",
    "unbalanced_quote.csv": "CSV kan niet worden gelezen vanaf rij 3: een aanhalingsteken (\") wordt niet afgesloten",
    "utf16_le_bom.csv": "bestand is in UTF-16 opgeslagen",
    "utf16_without_bom.csv": "bestand is in UTF-16 opgeslagen",
    "very_long_cell.csv": "CSV kan niet worden gelezen vanaf rij 2: een cel is langer dan 131072 tekens",
}
LOADED = {  # file: rows read, loaded, quarantined, and the quarantined rows as the person numbers them
    "bom_semicolon.csv": (1, 1, 0, []),
    "embedded_newlines.csv": (3, 2, 1, [3]),
    "old_mac_line_endings.csv": (2, 2, 0, []),
    "quote_inside_cell.csv": (1, 1, 0, []),
    "ragged_rows.csv": (3, 1, 2, [2, 3]),
}


@pytest.fixture
def sqlite_engine(sqlite_url):
    migrate(sqlite_url)
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


def accounted(engine, result) -> None:
    """The ingestion invariant: a rejected file leaves only its ledger line; a loaded one reconciles with the database."""
    with engine.connect() as conn:
        if result.status == "rejected":
            assert result.message
            row = conn.execute(select(Delivery.id, Delivery.rows_read, Delivery.rows_loaded)
                               .where(Delivery.rejection_reason == result.message)).first()
            assert row is not None and (row.rows_read, row.rows_loaded) == (0, 0)
            assert conn.execute(select(func.count()).select_from(QuarantinedRow)
                                .where(QuarantinedRow.delivery_id == row.id)).scalar() == 0
            return
        if result.status == "duplicate":
            return
        assert result.status == "loaded"
        model = FACT_TABLES[result.source]
        facts = conn.execute(select(func.count()).select_from(model).where(model.delivery_id == result.delivery_id))
        quarantined = conn.execute(select(func.count()).select_from(QuarantinedRow)
                                   .where(QuarantinedRow.delivery_id == result.delivery_id))
        assert (result.rows_loaded, result.rows_quarantined) == (facts.scalar(), quarantined.scalar())
        assert result.rows_read == result.rows_loaded + result.rows_quarantined


def test_the_corpus_covers_every_malformed_file():
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted([*REJECTED, *LOADED])


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_malformed_files_are_rejected_whole_with_their_reason(sqlite_engine, backpack, name):
    result = ingest_file(sqlite_engine, backpack, CORPUS / name, KEY)
    assert (result.status, result.rows_read) == ("rejected", 0)
    assert REJECTED[name] in result.message
    accounted(sqlite_engine, result)


@pytest.mark.parametrize("name", sorted(LOADED))
def test_damaged_but_readable_files_load_or_quarantine_every_row(sqlite_engine, backpack, name):
    result = ingest_file(sqlite_engine, backpack, CORPUS / name, KEY)
    read, loaded, quarantined, rows = LOADED[name]
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded", read, loaded, quarantined)
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(QuarantinedRow.row_number).order_by(QuarantinedRow.row_number)).scalars().all() \
            == rows
    accounted(sqlite_engine, result)


def test_oversized_files_are_rejected_before_they_are_read(sqlite_engine, backpack, tmp_path):
    small = backpack.model_copy(update={"max_file_mb": 0.1})
    path = write_csv(tmp_path / "groot.csv", [PLANNING_HEADER, *[session(title=f"Les {i}") for i in range(3000)]])
    result = ingest_file(sqlite_engine, small, path, KEY)
    assert result.message == f"bestand is te groot: {path.stat().st_size / 1e6:.1f} MB, de grens is 0.1 MB (max_file_mb in de configuratie)"
    accounted(sqlite_engine, result)


def test_an_xlsx_zip_bomb_is_not_unpacked(sqlite_engine, backpack, tmp_path):
    """A real workbook whose sheet is 40 MB of identical rows, packed into a few hundred kilobytes."""
    source = write_xlsx(tmp_path / "klein.xlsx", [PLANNING_HEADER, session()])
    bomb = tmp_path / "bom.xlsx"
    row = b'<row><c t="inlineStr"><is><t>Voetbal</t></is></c></row>'
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as packed:
        for item in original.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                packed.writestr(item, original.read(item))
        with packed.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for _ in range(40):
                sheet.write(row * (1_000_000 // len(row)))
            sheet.write(b"</sheetData></worksheet>")
    result = ingest_file(sqlite_engine, backpack, bomb, KEY)
    assert result.status == "rejected"
    assert result.message.startswith("XLSX pakt uit tot 40 MB uit 0.")
    assert result.message.endswith("dit lijkt een zip-bom en wordt niet gelezen")
    accounted(sqlite_engine, result)


# --- parsers -------------------------------------------------------------------------------------------------

CELLS = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\A\d{1,2}-\d{1,2}-\d{4}( \d{1,2}:\d{2}(:\d{2})?)?\Z"),
    st.from_regex(r"\A\d{4}-\d{1,2}-\d{1,2}\Z"),
    st.from_regex(r"\A(€ ?)?-?[\d.]{1,12}(,\d{1,3})?\Z"),
    st.from_regex(r"\A(groep )?\d{1,3}\Z"),
    st.sampled_from(["ja", "NEE", "x", "", " ", "Valthermond", "OBS de Aanloop", "Sport", "2024-2025", "5-8"]),
)


@FUZZ
@given(parser=st.sampled_from(sorted(PARSERS)), cells=st.lists(CELLS, max_size=12))
def test_every_parser_parses_a_cell_or_gives_a_reason(backpack, parser, cells):
    raw = pd.Series(cells, dtype="str")
    parsed = PARSERS[parser](raw, config=backpack, allowed=["Ja", "Nee"])
    assert len(parsed.values) == len(parsed.reasons) == len(raw)
    for index, cell in raw.items():
        reason = parsed.reasons[index]
        assert pd.isna(reason) or (isinstance(reason, str) and reason)
        if cell:
            assert not pd.isna(reason) or not pd.isna(parsed.values[index]), (parser, cell)


@FUZZ
@given(day=st.dates(dt.date(1900, 3, 1), dt.date(2100, 12, 31)),
       form=st.sampled_from(["%d-%m-%Y", "%Y-%m-%d", "{d}-{m}-%Y", "%d-%m-%Y %H:%M"]))
def test_every_contract_date_form_parses_to_the_same_day(day, form):
    cell = day.strftime(form.format(d=day.day, m=day.month))
    parsed = PARSERS["date"](pd.Series([cell], dtype="str"))
    assert pd.isna(parsed.reasons[0]) and parsed.values[0].date() == day


@FUZZ
@given(cents=st.integers(-10**11, 10**11), form=st.sampled_from(["plain", "dutch", "euro"]))
def test_every_contract_amount_form_parses_to_the_same_amount(cents, form):
    amount = decimal.Decimal(cents) / 100
    dutch = f"{abs(amount):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    cell = {"plain": f"{amount:.2f}", "dutch": ("-" if amount < 0 else "") + dutch,
            "euro": ("-" if amount < 0 else "") + "€ " + dutch}[form]
    parsed = PARSERS["amount"](pd.Series([cell], dtype="str"))
    assert pd.isna(parsed.reasons[0]) and round(decimal.Decimal(parsed.values[0]), 2) == amount


# --- the CSV reader -----------------------------------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)


@FUZZ
@given(data=st.binary(max_size=400))
def test_the_reader_reads_any_bytes_or_rejects_them_with_a_reason(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("bytes") / "x.csv"
    path.write_bytes(data)
    try:
        sheet = read_sheet(path, max_bytes=10_000)
    except DeliveryRejected as rejected:
        assert str(rejected)
        return
    assert len({len(r) for r in sheet.rows}) <= 1
    assert sheet.row_numbers == sorted(set(sheet.row_numbers)) and len(sheet.row_numbers) == len(sheet.rows)


@FUZZ
@given(rows=st.lists(st.lists(TEXT.filter(lambda c: c.strip() == c and c[:1] != "'"), min_size=8, max_size=8),
                     min_size=1, max_size=6),
       separator=st.sampled_from(";,\t"), encoding=st.sampled_from(["utf-8", "utf-8-sig"]))
def test_the_reader_gives_back_what_a_spreadsheet_wrote(tmp_path_factory, rows, separator, encoding):
    path = write_csv(tmp_path_factory.mktemp("csv") / "x.csv", [PLANNING_HEADER, *rows], separator, encoding)
    try:
        sheet = read_sheet(path)
    except DeliveryRejected as rejected:
        assert str(rejected).startswith(("bestand bevat een stuurteken", "CSV kan niet worden gelezen"))
        return
    filled = [r for r in rows if any(r)]
    assert sheet.rows == [PLANNING_HEADER, *filled]


# --- issue 3: every row of a mutated delivery ends loaded or quarantined, or the file is rejected whole -------

PLANNED = [session(date=f"{d:02d}-10-2024", title=f"Les {d}") for d in range(1, 9)]
VALID = {
    "activiteiten": [PLANNING_HEADER, *PLANNED],
    "aanwezigheid": [ATTENDANCE_HEADER, *[present(str(1000 + i), date=s[0], title=s[1]) for i, s in
                                          zip(range(8), itertools.cycle(PLANNED))]],
}


@st.composite
def mutated_delivery(draw):
    kind = draw(st.sampled_from(sorted(VALID)))
    rows = [list(map(str, r)) for r in VALID[kind]]
    for _ in range(draw(st.integers(0, 4))):
        row = 0 if draw(st.integers(0, 9)) == 7 else draw(st.integers(1, len(rows) - 1))
        column = draw(st.integers(0, len(rows[0]) - 1))
        rows[row][column] = draw(st.one_of(TEXT, CELLS, st.sampled_from(['"', "=1+1", "\r\n", ";", "31-02-2025"])))
    if draw(st.booleans()):
        del rows[draw(st.integers(1, len(rows) - 1))][draw(st.integers(0, 7)):]
    if draw(st.integers(0, 4)) == 0:
        return kind, "xlsx", rows, None, None
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=draw(st.sampled_from(";,\t")), lineterminator="\r\n").writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    data = buffer.getvalue().encode(encoding, errors="replace")
    cut = draw(st.one_of(st.none(), st.integers(0, len(data))))
    return kind, "csv", rows, data[:cut] if cut is not None else data, draw(st.binary(max_size=3))


@settings(FUZZ, max_examples=150)
@given(delivery=mutated_delivery())
def test_a_mutated_delivery_is_loaded_quarantined_or_rejected_never_half(sqlite_engine, backpack, tmp_path_factory,
                                                                         delivery):
    kind, form, rows, data, noise = delivery
    ingest_file(sqlite_engine, backpack, write_csv(tmp_path_factory.mktemp("p") / "planning.csv",
                                                   VALID["activiteiten"]), KEY)
    path = tmp_path_factory.mktemp("mutated") / f"{kind}.{form}"
    if form == "xlsx":
        try:
            write_xlsx(path, rows)
        except openpyxl.utils.exceptions.IllegalCharacterError:
            return
    else:
        path.write_bytes(data + noise)
    result = ingest_file(sqlite_engine, backpack, path, KEY)
    event(f"{form} {result.status}" + (" with quarantine" if result.rows_quarantined else ""))
    assert result.status in ("loaded", "rejected", "duplicate")
    accounted(sqlite_engine, result)
    if result.status == "loaded":
        assert result.source == kind


@pytest.fixture(scope="module")
def sound_workbook(tmp_path_factory) -> bytes:
    return write_xlsx(tmp_path_factory.mktemp("sound") / "aanwezigheid.xlsx", VALID["aanwezigheid"]).read_bytes()


@settings(FUZZ, max_examples=80)
@given(data=st.data())
def test_a_workbook_with_damaged_bytes_is_loaded_quarantined_or_rejected_never_half(sqlite_engine, backpack,
                                                                                   tmp_path_factory, sound_workbook,
                                                                                   data):
    """Bytes flipped anywhere in the zip (headers, compressed sheet XML, directory) or the file cut short."""
    damaged = bytearray(sound_workbook)
    for _ in range(data.draw(st.integers(1, 8))):
        damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.one_of(st.none(), st.integers(0, len(damaged))))
    path = tmp_path_factory.mktemp("damaged") / "aanwezigheid.xlsx"
    path.write_bytes(bytes(damaged[:cut] if cut is not None else damaged))
    result = ingest_file(sqlite_engine, backpack, path, KEY)
    event(f"xlsx {result.status}")
    assert result.status in ("loaded", "rejected", "duplicate")
    accounted(sqlite_engine, result)
