"""The steward's loop: list failures, write one correction workbook, fix it in Excel, redeliver, and see exactly
those close — round after round pointing at the school's original file and row."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from typer.testing import CliRunner

from flows.cli import app
from flows.failure_output import render
from kansenmonitor.db import ActivitySession, Attendance, ChildResponse
from tasks.ingest.correction_workbook import write_correction_workbook
from tasks.ingest.failures import by_source, failed_rows, write_correction_csvs
from tasks.ingest.files import ingest_file, ingest_files
from tests.deliveries import attendance, planning, present, session, write_csv

KEY = b"test-key"
CHILD_HEADER = ["ID", "Tijd van voltooien", "Op welke school zit je?", "In welke groep zit je?",
                "Ik voel me veilig bij de activiteiten", "Ik weet bij wie ik terecht kan als er iets is",
                "Hoe leuk vond je de activiteiten?"]


@pytest.fixture
def quarantined(engine, backpack, tmp_path):
    rows = planning(session(),
                    session(date="31-02-2025", title="Dans"),
                    session(area="Emmen", title="Hockey"),
                    session(theme_1="=HYPERLINK(\"http://x\")", title="Formule"))
    ingest_file(engine, backpack, write_csv(tmp_path / "planning.csv", rows), KEY)
    return failed_rows(engine)


@pytest.fixture
def three_sources(engine, backpack, tmp_path, quarantined):
    """Besides the planning's three failures: two attendance rows and one child's answer that fail."""
    ingest_file(engine, backpack, write_csv(tmp_path / "aanwezigheid.csv", attendance(
        present("11"), present("12", school="Onbekende school"), present("13", group="12"))), KEY)
    ingest_file(engine, backpack, write_csv(tmp_path / "kinderen.csv", [
        CHILD_HEADER, ["1", "03-03-2025 14:05", "OBS de Aanloop", "6", "Soms", "Ja", "4"],
        ["2", "03-03-2025 14:06", "CKC Rehoboth", "5", "Ja", "Nee", "5"]]), KEY)
    return failed_rows(engine)


def _sheet_rows(sheet) -> list[dict]:
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True)]


def _fix(path, sheet_name: str, key_column: str, fixes: dict[object, dict[str, object]]):
    """Edit cells as a person does in Excel: in the rows whose `key_column` is a key of `fixes`, column: value."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[sheet_name]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        key = row[header.index(key_column)].value
        for column, value in fixes.get(key, {}).items():
            row[header.index(column)].value = value
    workbook.save(path)


def test_listing_names_original_file_row_column_value_and_reason(quarantined):
    lines = list(csv.reader(render(quarantined, "csv").splitlines(), delimiter=";"))
    assert lines[0] == ["Correctie-ID", "Bestand", "Werkblad", "Bron", "Periode", "Rij", "Kolom", "Waarde", "Reden",
                        "Aangeleverd in", "Status"]
    first = quarantined[0].id
    assert lines[1] == [str(first), "planning.csv", "", "activiteiten", "", "3", "Datum", "31-02-2025",
                        "deze datum bestaat niet", "", "open"]
    assert lines[3][5:8] == ["5", "Thema 1", "'=HYPERLINK(\"http://x\")"]


def test_one_workbook_with_a_sheet_per_source_made_for_excel(three_sources, backpack, tmp_path):
    path = write_correction_workbook(by_source(three_sources), tmp_path / "correcties.xlsx", backpack)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["activiteiten", "aanwezigheid", "kindvragenlijst", "Keuzelijsten"]
    assert workbook["Keuzelijsten"].sheet_state == "hidden"

    plan = workbook["activiteiten"]
    header = [c.value for c in plan[1]]
    assert header == ["Correctie-ID", "Bestand", "Werkblad", "Rij", "Reden", "Datum", "Activiteit", "Dorp",
                      "Doelgroep", "Thema 1", "Thema 2", "Soort", "Begeleiders"]
    assert plan.freeze_panes == "A2"
    assert all(c.font.bold for c in plan[1])
    widths = {h: plan.column_dimensions[get_column_letter(i)].width for i, h in enumerate(header, start=1)}
    assert widths["Bestand"] == len("planning.csv") + 2 and widths["Datum"] == len("00-00-0000") + 2
    assert widths["Correctie-ID"] == len("Correctie-ID") + 3 and 40 < widths["Reden"] <= 60

    # Stored as numbers and dates, not as text; the date that does not exist stays as delivered.
    dans, hockey, formule = plan["A2":"M4"]
    assert [type(c.value) for c in (dans[0], dans[3], dans[12])] == [int, int, int]
    assert (dans[3].value, dans[12].value, dans[5].value) == (3, 3, "31-02-2025")
    assert hockey[5].value == dt.datetime(2024, 9, 12) and hockey[5].number_format == "dd-mm-yyyy"
    # The formula is text, never run.
    assert (formule[9].value, formule[9].data_type) == ("=HYPERLINK(\"http://x\")", "s")

    # The failing cell is filled and carries its reason.
    assert dans[5].fill.fgColor.rgb == "FFF4C7C3" and dans[5].comment.text == "deze datum bestaat niet"
    assert hockey[7].comment.text.startswith("dorp 'Emmen' is onbekend") and hockey[7].fill.fgColor.rgb == "FFF4C7C3"
    assert dans[6].comment is None and dans[6].fill.fgColor.rgb != "FFF4C7C3"

    lists = workbook["Keuzelijsten"]

    def allowed(sheet, column: str) -> list:
        letter = get_column_letter([c.value for c in sheet[1]].index(column) + 1)
        [validation] = [v for v in sheet.data_validations.dataValidation if f"{letter}2" in v.sqref]
        cells = f"{letter}2" if sheet.max_row == 2 else f"{letter}2:{letter}{sheet.max_row}"
        assert validation.type == "list" and str(validation.sqref) == cells
        _, first, last = re.fullmatch(r"'?Keuzelijsten'?!\$([A-Z]+)\$1:\$\1\$(\d+)", validation.formula1).group(
            0, 1, 2)
        return [lists[f"{first}{n}"].value for n in range(1, int(last) + 1)]

    assert allowed(plan, "Dorp") == ["Valthermond", "2e Exloërmond", "Nieuw-Buinen"]
    assert allowed(plan, "Thema 1") == ["Sport", "Cultuur", "Cognitieve ontwikkeling", "Sociale ontwikkeling",
                                        "Oriëntatie op jezelf en de wereld", "Beroepen en ondernemen"]
    assert allowed(plan, "Doelgroep") == ["1-4", "5-8"] and allowed(plan, "Soort") == ["vast", "10-weeks", "eenmalig"]
    present_sheet = workbook["aanwezigheid"]
    assert allowed(present_sheet, "Groep") == [1, 2, 3, 4, 5, 6, 7, 8]
    assert allowed(present_sheet, "School") == ["OBS de Aanloop", "CKC Rehoboth", "OBS de Westhoek",
                                                "CKC de Wegwijzer", "OBS de Poolster", "School 75",
                                                "CKC de Klister", "School 59"]
    children = workbook["kindvragenlijst"]
    assert allowed(children, "Ik voel me veilig bij de activiteiten") == ["Ja", "Een beetje", "Nee"]
    assert allowed(children, "Hoe leuk vond je de activiteiten?") == [1, 2, 3, 4, 5]

    [unknown_school, group_12] = _sheet_rows(present_sheet)
    assert (unknown_school["Leerling"], unknown_school["Groep"], group_12["Groep"]) == (None, 5, 12)
    assert group_12["Leerling"].startswith("PSN-")  # the pseudonym, never the school's number
    assert unknown_school["Datum"] == dt.datetime(2024, 9, 12)
    [answer] = _sheet_rows(children)
    assert answer["Tijd van voltooien"] == dt.datetime(2025, 3, 3, 14, 5)
    assert children["G2"].number_format == "dd-mm-yyyy hh:mm:ss" and children["F2"].value == 1


def test_the_whole_workbook_redelivered_closes_the_fixed_failures_of_every_source(engine, backpack, three_sources,
                                                                                  tmp_path):
    path = write_correction_workbook(by_source(three_sources), tmp_path / "correcties.xlsx", backpack)
    _fix(path, "activiteiten", "Activiteit", {"Dans": {"Datum": dt.datetime(2025, 2, 28)},
                                             "Hockey": {"Dorp": "Valthermond"}, "Formule": {"Thema 1": "Sport"}})
    # The unknown school's pupil number was never kept (no pseudonym without a school): it is typed in again.
    _fix(path, "aanwezigheid", "Rij", {3: {"School": "CKC Rehoboth", "Leerling": 12}, 4: {"Groep": 6}})
    _fix(path, "kindvragenlijst", "ID", {1: {"Ik voel me veilig bij de activiteiten": "Een beetje"}})

    results = ingest_files(engine, backpack, [path], KEY)
    assert [(r.file, r.source, r.status, r.rows_loaded, r.rows_quarantined) for r in results] == [
        ("correcties.xlsx", "activiteiten", "loaded", 3, 0), ("correcties.xlsx", "aanwezigheid", "loaded", 2, 0),
        ("correcties.xlsx", "kindvragenlijst", "loaded", 1, 0)]
    assert failed_rows(engine) == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Attendance)).scalar() == 3
        assert conn.execute(select(ChildResponse.feels_safe).where(ChildResponse.response_id == "1")).scalar() == \
            "Een beetje"
    assert ingest_files(engine, backpack, [path], KEY)[0].status == "duplicate"


def test_a_second_round_points_at_the_original_file_and_row(engine, backpack, quarantined, tmp_path):
    assert [r.row for r in quarantined] == [3, 4, 5]
    formula_id = quarantined[2].id
    first_round = write_correction_workbook(by_source(quarantined), tmp_path / "correcties.xlsx", backpack)
    _fix(first_round, "activiteiten", "Activiteit", {"Dans": {"Datum": "28-02-2025"},
                                                    "Hockey": {"Dorp": "Valthermond"}})
    result = ingest_file(engine, backpack, first_round, KEY)
    assert (result.source, result.rows_read, result.rows_loaded, result.rows_quarantined) == ("activiteiten", 3, 2, 1)

    [still_open] = failed_rows(engine)
    assert (still_open.file, still_open.row) == ("correcties.xlsx", 4)  # where it came back
    assert (still_open.reference, still_open.original_file, still_open.original_row) == (formula_id, "planning.csv", 5)
    second = write_correction_workbook(by_source([still_open]), tmp_path / "correcties-2.xlsx", backpack)
    [line] = _sheet_rows(openpyxl.load_workbook(second)["activiteiten"])
    assert (line["Correctie-ID"], line["Bestand"], line["Rij"]) == (formula_id, "planning.csv", 5)
    assert list(line).count("Bestand") == 1 and list(line).count("Reden") == 1
    assert line["Reden"].startswith("Thema 1: ")

    history = failed_rows(engine, include_resolved=True)
    chain = [(r.reference, r.file, r.row, r.original_file, r.original_row, r.status) for r in history
             if r.reference == formula_id]
    assert chain == [(formula_id, "planning.csv", 5, "planning.csv", 5, "opgelost door correcties.xlsx"),
                     (formula_id, "correcties.xlsx", 4, "planning.csv", 5, "open")]

    # Still wrong in round two: the third failure of the record keeps the same reference and original row.
    again = ingest_file(engine, backpack, second, KEY)
    assert again.rows_quarantined == 1
    [third] = failed_rows(engine)
    assert (third.reference, third.original_file, third.original_row, third.file, third.row) == (
        formula_id, "planning.csv", 5, "correcties-2.xlsx", 2)
    assert [r.status for r in failed_rows(engine, include_resolved=True) if r.reference == formula_id] == [
        "opgelost door correcties.xlsx", "opgelost door correcties-2.xlsx", "open"]

    third_round = write_correction_workbook(by_source([third]), tmp_path / "correcties-3.xlsx", backpack)
    _fix(third_round, "activiteiten", "Activiteit", {"Formule": {"Thema 1": "Cultuur"}})
    assert ingest_file(engine, backpack, third_round, KEY).rows_loaded == 1
    assert failed_rows(engine) == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ActivitySession)
                            .where(ActivitySession.superseded_by.is_(None))).scalar() == 4


def test_csv_correction_sheets_one_per_source(three_sources, tmp_path):
    written = write_correction_csvs(three_sources, tmp_path / "correcties.csv")
    assert [p.name for p in written] == ["correcties_activiteiten.csv", "correcties_aanwezigheid.csv",
                                         "correcties_kindvragenlijst.csv"]
    with written[0].open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle, delimiter=";"))
    assert lines[0][:5] == ["Correctie-ID", "Bestand", "Werkblad", "Rij", "Reden"]
    assert lines[3][9] == "'=HYPERLINK(\"http://x\")"


def test_failures_filter_by_file_source_and_period(engine, backpack, quarantined, tmp_path):
    ingest_file(engine, backpack, write_csv(tmp_path / "other.csv", [
        ["Datum", "Activiteit", "Dorp", "School", "Groep", "Leerling", "Aanwezig"],
        ["12-09-2024", "Voetbal", "Valthermond", "OBS de Aanloop", "12", "7", "ja"]]), KEY)
    assert [r.file for r in failed_rows(engine, file="other.csv")] == ["other.csv"]
    assert {r.source for r in failed_rows(engine, source="activiteiten")} == {"activiteiten"}
    assert [r.row for r in failed_rows(engine, period="2024-2025-H1")] == [4, 5, 2]


def test_failures_command_fits_80_columns_and_writes_one_workbook(engine, db_url, quarantined, backpack, tmp_path):
    target = tmp_path / "correcties.xlsx"
    config = "config/borger-odoorn.yaml"
    result = CliRunner().invoke(app, ["failures", "--db", db_url, "--config", config, "--source", "activiteiten",
                                      "--file", "planning.csv", "--xlsx", str(target)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines if not line.startswith("correctiewerkmap: ")) <= 80
    assert "\x1b[" not in result.output
    first = quarantined[0].id
    assert lines[:3] == [f"Correctie-ID {first} · planning.csv, rij 3", "  bron activiteiten, periode onbekend, open",
                         "  - Datum '31-02-2025': deze datum bestaat niet"]
    assert any(line.startswith("  - Dorp 'Emmen': dorp 'Emmen' is onbekend") for line in lines)
    assert "3 rijen in quarantaine" in lines and f"correctiewerkmap: {target}" in lines
    assert openpyxl.load_workbook(target).sheetnames == ["activiteiten", "Keuzelijsten"]

    as_json = CliRunner().invoke(app, ["failures", "--db", db_url, "--format", "json"])
    assert [(f["rij"], f["kolom"], f["reden"]) for f in json.loads(as_json.output)][:1] == [
        (3, "Datum", "deze datum bestaat niet")]
    as_lines = CliRunner().invoke(app, ["failures", "--db", db_url, "--format", "regels"])
    assert as_lines.output.splitlines()[0] == (f"planning.csv:3: [{first}] activiteiten -: Datum '31-02-2025': "
                                               "deze datum bestaat niet")
    wrong = CliRunner().invoke(app, ["failures", "--db", db_url, "--format", "breed"])
    assert wrong.exit_code == 2
    assert "fout: onbekend formaat 'breed'; kies uit: blokken, regels, tabel, csv, json" in wrong.output


def test_streng_exits_1_while_failures_remain(engine, db_url, quarantined):
    strict = CliRunner().invoke(app, ["failures", "--db", db_url, "--streng"])
    assert strict.exit_code == 1 and "3 rijen in quarantaine" in strict.output
    none = CliRunner().invoke(app, ["failures", "--db", db_url, "--source", "aanwezigheid", "--streng"])
    assert none.exit_code == 0 and "0 rijen in quarantaine" in none.output
    assert CliRunner().invoke(app, ["failures", "--db", db_url]).exit_code == 0
