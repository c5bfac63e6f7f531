"""The steward's loop: list failures, write a correction sheet, fix it, redeliver, and see exactly those close."""

from __future__ import annotations

import csv

import openpyxl
import pytest
from sqlalchemy import func, select

from kansenmonitor.db import ActivitySession
from tasks.ingest.failures import failed_rows, write_correction_sheets, write_listing_csv
from tasks.ingest.files import ingest_file
from tests.deliveries import planning, session, write_csv

KEY = b"test-key"


@pytest.fixture
def quarantined(engine, backpack, tmp_path):
    rows = planning(session(),
                    session(date="31-02-2025", title="Dans"),
                    session(area="Emmen", title="Hockey"),
                    session(theme_1="=HYPERLINK(\"http://x\")", title="Formule"))
    ingest_file(engine, backpack, write_csv(tmp_path / "planning.csv", rows), KEY)
    return failed_rows(engine)


def _fix(path, fixes: dict[str, tuple[str, str]]):
    """Edit the cells of the rows whose `Activiteit` is a key of `fixes`: (column, new value)."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        title = row[header.index("Activiteit")].value
        if title in fixes:
            column, value = fixes[title]
            row[header.index(column)].value = value
    workbook.save(path)


def test_listing_names_file_row_column_value_and_reason(quarantined, tmp_path):
    path = write_listing_csv(quarantined, tmp_path / "fouten.csv")
    with path.open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle, delimiter=";"))
    assert lines[0] == ["Bestand", "Werkblad", "Bron", "Periode", "Rij", "Kolom", "Waarde", "Reden"]
    assert lines[1] == ["planning.csv", "", "activiteiten", "", "3", "Datum", "31-02-2025", "deze datum bestaat niet"]
    assert lines[3][4:7] == ["5", "Thema 1", "'=HYPERLINK(\"http://x\")"]


def test_redelivered_correction_sheet_closes_exactly_the_fixed_failures(engine, backpack, quarantined, tmp_path):
    assert [r.row for r in quarantined] == [3, 4, 5]
    [sheet_path] = write_correction_sheets(quarantined, tmp_path / "correcties.xlsx")
    cell = openpyxl.load_workbook(sheet_path).active["A1"]
    assert cell.value == "Correctie-ID"

    _fix(sheet_path, {"Dans": ("Datum", "28-02-2025"), "Hockey": ("Dorp", "Valthermond")})
    result = ingest_file(engine, backpack, sheet_path, KEY)

    assert (result.source, result.rows_read, result.rows_loaded, result.rows_quarantined) == ("activiteiten", 3, 2, 1)
    still_open = failed_rows(engine)
    assert [(r.file, r.row, r.reasons[0][0]) for r in still_open] == [("correcties.xlsx", 4, "Thema 1")]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ActivitySession)
                            .where(ActivitySession.superseded_by.is_(None))).scalar() == 3
    history = failed_rows(engine, include_resolved=True)
    assert sorted((r.file, r.row, r.resolved_by is not None) for r in history) == [
        ("correcties.xlsx", 4, False), ("planning.csv", 3, True), ("planning.csv", 4, True),
        ("planning.csv", 5, True)]


def test_failures_filter_by_file_source_and_period(engine, backpack, quarantined, tmp_path):
    ingest_file(engine, backpack, write_csv(tmp_path / "other.csv", [
        ["Datum", "Activiteit", "Dorp", "School", "Groep", "Leerling", "Aanwezig"],
        ["12-09-2024", "Voetbal", "Valthermond", "OBS de Aanloop", "12", "7", "ja"]]), KEY)
    assert [r.file for r in failed_rows(engine, file="other.csv")] == ["other.csv"]
    assert {r.source for r in failed_rows(engine, source="activiteiten")} == {"activiteiten"}
    assert [r.row for r in failed_rows(engine, period="2024-2025-H1")] == [4, 5, 2]


def test_failures_command_filters_and_writes_the_correction_sheet(engine, db_url, quarantined, tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app

    target = tmp_path / "correcties.xlsx"
    result = CliRunner().invoke(app, ["failures", "--db", db_url, "--source", "activiteiten", "--file",
                                      "planning.csv", "--xlsx", str(target)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "deze datum bestaat niet" in result.output and "3 rijen in quarantaine" in result.output
    assert "Emmen" in result.output and "dorp 'Emmen' is onbekend" in result.output
    sheet = openpyxl.load_workbook(target).active
    assert [c.value for c in sheet[1]][:2] == ["Correctie-ID", "Bestand"]
    assert sheet.max_row == 4
    none = CliRunner().invoke(app, ["failures", "--db", db_url, "--source", "aanwezigheid"], env={"COLUMNS": "250"})
    assert none.exit_code == 0 and "0 rijen in quarantaine" in none.output
