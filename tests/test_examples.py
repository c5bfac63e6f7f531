"""The example deliveries: real export shapes, reproducible from the seed, faults exactly where recorded.

Files are read back with csv and openpyxl, independently of the generator, as a steward's tools would.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest

from kansenmonitor.config import load_config
from sampledata.deliveries import write_examples

ROOT = Path(__file__).resolve().parent.parent
PERIODS = ("2024-2025-H1", "2024-2025-H2")
FILES = {
    "borger-odoorn": {f"{source}_{period}.{ext}" for period in PERIODS
                      for source, ext in [("activiteiten", "xlsx"), ("aanwezigheid", "csv"),
                                          ("kindvragenlijst", "xlsx"), ("oudervragenlijst", "csv"),
                                          ("begeleidersfeedback", "csv"), ("klachten", "csv")]}
                     | {"begeleiders_2024-2025.xlsx", "leerlingaantallen_2024-2025.xlsx", "duidingen_2024-2025.xlsx"},
    "coevorden": {"bestedingen_2021-2024.csv", "duidingen_2024-2025.csv"}
                 | {f"{source}_{period}.csv" for period in PERIODS for source in ("bestedingen", "partnervragenlijst")},
}
# The lokale coalitie's interpretations are words written for the demo's figures, the same for every seed.
WRITTEN = {"borger-odoorn/duidingen_2024-2025.xlsx", "coevorden/duidingen_2024-2025.csv"}
FORMS_METADATA = ["ID", "Begintijd", "Tijd van voltooien", "E-mail", "Naam"]
HEADERS = {
    "activiteiten": ["Datum", "Activiteit", "Dorp", "Doelgroep", "Thema 1", "Thema 2", "Soort", "Begeleiders"],
    "aanwezigheid": ["Datum", "Activiteit", "Dorp", "School", "Groep", "Leerling", "Aanwezig"],
    "kindvragenlijst": FORMS_METADATA + [
        "Op welke school zit je?", "In welke groep zit je?", "Ik voel me veilig bij de activiteiten",
        "Ik weet bij wie ik terecht kan als er iets is", "Hoe leuk vond je de activiteiten?",
        "Wat zou je nog eens willen doen?"],
    "oudervragenlijst": ["Tijdstempel", "Op welke school zit uw kind?",
                         "Mijn kind voelt zich veilig bij de activiteiten",
                         "Ik weet waar ik terecht kan met een klacht", "Hoe tevreden bent u over het aanbod?",
                         "Opmerkingen"],
    "begeleidersfeedback": ["Tijdstempel", "Rol", "Datum activiteit", "Dorp", "Groepssfeer", "Samenwerking",
                            "Opmerkingen"],
    "begeleiders": ["Naam", "Organisatie", "Structureel", "VOG-datum"],
    "klachten": ["Datum", "Dorp", "Categorie", "Omschrijving", "Status"],
    "leerlingaantallen": ["Schooljaar", "School"] + [f"Groep {g}" for g in range(1, 9)],
    "bestedingen": ["Datum", "Wijk", "Bestedingspunt", "Omschrijving", "Bedrag"],
    "partnervragenlijst": ["Tijdstempel", "Wijk", "Organisatie", "Actie", "Pijler", "Voortgang", "Bereik",
                           "Ervaringen", "Resultaten"],
    "duidingen": ["Periode", "Doel", "Duiding", "Door", "Goedgekeurd door"],
}
PRESENT = {"ja", "j", "x", "1"}


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    folder = tmp_path_factory.mktemp("examples")
    return folder, write_examples(folder)


@pytest.fixture(scope="module")
def faults(examples):
    folder, _ = examples
    return json.loads((folder / "expected_faults.json").read_text(encoding="utf-8"))


def files_in(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def rows_of(path: Path) -> list[list[str]]:
    """The file's rows as text; row i of the result is spreadsheet row (or CSV line) i + 1."""
    if path.suffix == ".xlsx":
        worksheet = openpyxl.load_workbook(path).active
        return [[text(v) for v in row] for row in worksheet.iter_rows(values_only=True)]
    data = path.read_bytes()
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        decoded = data.decode("cp1252")
    separator = ";" if ";" in decoded.splitlines()[0] else ","
    return [[cell.strip() for cell in row] for row in csv.reader(decoded.splitlines(), delimiter=separator)]


def header(rows: list[list[str]], source: str) -> list[str]:
    row = next(r for r in rows if r and r[0] == HEADERS[source][0])
    while row and row[-1] == "":
        row = row[:-1]
    return row


def test_same_seed_gives_byte_identical_files_and_another_seed_differs(tmp_path):
    write_examples(tmp_path / "first", seed=7)
    time.sleep(2.1)  # zip entries store time in two-second steps: a clock-dependent stamp would show
    write_examples(tmp_path / "second", seed=7)
    write_examples(tmp_path / "other", seed=8)
    first, second, other = (files_in(tmp_path / name) for name in ("first", "second", "other"))
    assert len(first) == sum(len(names) for names in FILES.values()) + 1
    assert first == second
    assert first.keys() == other.keys()
    assert [name for name in first if first[name] != other[name]] == sorted(set(first) - WRITTEN)


def test_every_file_is_written_and_returned(examples):
    folder, written = examples
    assert {name: {p.name for p in paths} for name, paths in written.items()} == FILES
    for name, paths in written.items():
        assert all(p.parent == folder / name and p.is_file() for p in paths)


def test_headers_are_the_contracts_after_stripping_stray_spaces(examples):
    folder, written = examples
    for path in (p for paths in written.values() for p in paths):
        source = path.name.split("_")[0]
        assert header(rows_of(path), source) == HEADERS[source], path.name
    raw_header = (folder / "borger-odoorn" / "aanwezigheid_2024-2025-H1.csv").read_bytes().splitlines()[0]
    assert b"; Dorp ;" in raw_header


def test_attendance_is_windows_1252_and_semicolon_separated(examples):
    folder, _ = examples
    for period in PERIODS:
        data = (folder / "borger-odoorn" / f"aanwezigheid_{period}.csv").read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        decoded = data.decode("cp1252")
        assert "Exloërmond" in decoded
        lines = decoded.splitlines()
        assert all(len(row) == 7 for row in csv.reader(lines, delimiter=";"))
        assert "," not in lines[0]


def test_planning_has_a_title_line_above_the_header_and_real_excel_dates(examples):
    folder, _ = examples
    worksheet = openpyxl.load_workbook(folder / "borger-odoorn" / "activiteiten_2024-2025-H1.xlsx").active
    assert str(worksheet["A1"].value).startswith("Jaarplanning ")
    assert all(cell.value is None for cell in worksheet[2])
    assert [cell.value for cell in worksheet[3]] == HEADERS["activiteiten"]
    assert isinstance(worksheet["A4"].value, dt.datetime)


def test_children_survey_is_a_microsoft_forms_export_with_escapable_ideas(examples):
    folder, _ = examples
    worksheet = openpyxl.load_workbook(folder / "borger-odoorn" / "kindvragenlijst_2024-2025-H1.xlsx").active
    assert [cell.value for cell in worksheet[1]][:5] == FORMS_METADATA
    assert isinstance(worksheet["C2"].value, dt.datetime)
    ideas = {cell.value: cell.data_type for cell in worksheet["K"][1:] if cell.value}
    assert "<b>meer voetbal</b>" in ideas
    assert ideas["=meer dansen"] == "s", "a free-text answer must never become a formula"


def test_register_and_counts_carry_real_export_quirks(examples):
    folder, _ = examples
    register = rows_of(folder / "borger-odoorn" / "begeleiders_2024-2025.xlsx")[1:]
    structural = [r for r in register if r[2] == "ja"]
    assert len(register) == 12
    assert sum(r[3] == "" for r in structural) == 1
    assert any(len(r[3]) == 10 and r[3][2] == "-" for r in structural), "no VOG date typed as text"
    counts = openpyxl.load_workbook(folder / "borger-odoorn" / "leerlingaantallen_2024-2025.xlsx").active
    assert counts.max_row == 1 + 8 + 2
    values = [v for row in counts.iter_rows(min_row=2, max_row=9, min_col=3, values_only=True) for v in row]
    assert min(values) >= 15 and max(values) <= 35


def test_expected_faults_point_at_the_delivered_cells(examples, faults):
    folder, _ = examples
    assert 6 <= sum(f["coalition"] == "borger-odoorn" for f in faults) <= 10
    assert 2 <= sum(f["coalition"] == "coevorden" for f in faults) <= 3
    assert {"impossible_date", "unknown_area", "unknown_theme", "session_not_planned", "duplicate_row",
            "out_of_range", "invalid_group", "unparseable_amount", "outside_programme"} <= {f["kind"] for f in faults}
    for fault in faults:
        rows = rows_of(folder / fault["coalition"] / fault["file"])
        head = header(rows, fault["file"].split("_")[0])
        assert rows[fault["row"] - 1][head.index(fault["column"])] == fault["value"], fault


def test_duplicate_row_repeats_an_earlier_row(examples, faults):
    folder, _ = examples
    duplicate = next(f for f in faults if f["kind"] == "duplicate_row")
    rows = rows_of(folder / duplicate["coalition"] / duplicate["file"])
    assert rows[duplicate["row"] - 1] in rows[1:duplicate["row"] - 1]


def attendance(folder: Path, period: str, faults: list[dict], config) -> list[tuple[tuple, tuple, bool]]:
    """(session, child, present) per attendance row that carries no planted fault, names made canonical."""
    name = f"aanwezigheid_{period}.csv"
    skipped = {f["row"] for f in faults if f["file"] == name}
    rows = rows_of(folder / "borger-odoorn" / name)
    return [((r[0], r[1].casefold(), config.area_of(r[2])), (config.school_of(r[3]), r[5]), r[6].casefold() in PRESENT)
            for line, r in enumerate(rows[1:], start=2) if line not in skipped]


def test_participants_rise_in_two_villages_and_fall_in_one(examples, faults):
    folder, _ = examples
    config = load_config(ROOT / "config" / "borger-odoorn.yaml")
    participants = []
    for period in PERIODS:
        per_area = defaultdict(set)
        for session, child, present in attendance(folder, period, faults, config):
            if present:
                per_area[session[2]].add(child)
        participants.append({area: len(children) for area, children in per_area.items()})
    first, second = participants
    assert set(first) == set(second) == {a.name for a in config.areas}
    changes = sorted(second[a] > first[a] for a in first)
    assert changes == [False, True, True], participants
    assert all(second[a] != first[a] for a in first)


def test_a_village_has_two_sessions_for_groups_1_to_4_with_ten_children(examples, faults):
    folder, _ = examples
    config = load_config(ROOT / "config" / "borger-odoorn.yaml")
    planning = rows_of(folder / "borger-odoorn" / "activiteiten_2024-2025-H2.xlsx")[3:]
    onderbouw = {(dt.date.fromisoformat(r[0][:10]).strftime("%d-%m-%Y"), r[1].casefold(), config.area_of(r[2]))
                 for r in planning if any(r) and r[3] == "1-4"}
    present = defaultdict(set)
    for session, child, came in attendance(folder, "2024-2025-H2", faults, config):
        if session in onderbouw and came:
            present[session].add(child)
    per_area = defaultdict(int)
    for session, children in present.items():
        per_area[session[2]] += len(children) >= 10
    assert max(per_area.values(), default=0) >= 2
