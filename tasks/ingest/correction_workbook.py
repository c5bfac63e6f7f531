"""The correction workbook of `failures --xlsx`: every failure of the call in one workbook, made for Excel.

A sheet per source (a redelivered workbook gives one delivery per sheet), the header frozen and bold,
columns wide enough to read, the failing cell filled with its reason as a comment, dropdowns of the
answers the contract and the configuration allow, and numbers and dates stored as numbers and dates:
what the parsers read back from such a cell (`tasks.ingest.read.cell_text`) is what they would accept as text.
Text is written through `safe_output.append_row`, so no cell runs as a formula.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kansenmonitor.config import Config, normalise_name
from kansenmonitor.safe_output import append_row
from schemas import SOURCES
from schemas.base import Source
from tasks.ingest.failures import SHEET_PREFIX, FailedRow, sheet_lines
from tasks.ingest.parse import PARSERS

FAILED_FILL = PatternFill("solid", fgColor="FFF4C7C3")
HEADER_FILL = PatternFill("solid", fgColor="FFE8EEF5")
LISTS_SHEET = "Keuzelijsten"
TYPED_PARSERS = {"int", "group", "amount", "date", "datetime"}
FORMATS = {"date": "dd-mm-yyyy", "datetime": "dd-mm-yyyy hh:mm:ss", "amount": "#,##0.00"}
WHOLE_NUMBER = re.compile(r"-?[1-9][0-9]{0,14}\Z|0\Z")  # text that an integer cell gives back unchanged
MAX_WIDTH = 60


def write_correction_workbook(rows_by_source: dict[str, list[FailedRow]], path: Path,
                              config: Config | None = None) -> Path:
    """Write the workbook; the configuration (when given) supplies its places, schools, themes and pillars as
    dropdowns and its own column names."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    lists = _Lists(workbook)
    for source_name, rows in rows_by_source.items():
        _write_sheet(workbook.create_sheet(source_name[:31]), SOURCES[source_name], rows, config, lists)
    if not rows_by_source:
        sheet = workbook.create_sheet("correcties")
        append_row(sheet, SHEET_PREFIX)
        _style_header(sheet)
    if lists.sheet is not None:
        workbook.move_sheet(lists.sheet, len(workbook.sheetnames))
    path = Path(path)
    workbook.save(path)
    return path


def _write_sheet(sheet: Worksheet, source: Source, rows: list[FailedRow], config: Config | None,
                 lists: _Lists) -> None:
    header, lines = sheet_lines(rows)
    fields = _fields(source, config, header)
    columns = [[line[i] for line in lines] for i in range(len(header))]
    for position, (_name, meta) in fields.items():
        if meta["parse"] in TYPED_PARSERS:
            columns[position] = _typed(columns[position], meta["parse"])
    columns = [[_whole_number(v) for v in values] for values in columns]
    append_row(sheet, header)
    for line in zip(*columns):
        append_row(sheet, list(line))
    _style_header(sheet)
    for position, (_, meta) in fields.items():
        if meta["parse"] in FORMATS:
            for cell in sheet[get_column_letter(position + 1)][1:]:
                if isinstance(cell.value, (dt.date, float)):
                    cell.number_format = FORMATS[meta["parse"]]
    reason_column = header.index("Reden") + 1
    for cell in sheet[get_column_letter(reason_column)][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    _mark_failures(sheet, header, rows, reason_column)
    _widths(sheet, header, columns)
    for position, (name, meta) in fields.items():
        allowed = _allowed(source, name, meta, config)
        if allowed and lines:
            _dropdown(sheet, position + 1, len(lines), lists.reference(allowed), header[position])


def _fields(source: Source, config: Config | None, header: list[str]) -> dict[int, tuple[str, dict]]:
    """Column position -> (contract field, its metadata), for the delivered columns the source knows."""
    mapping = config.sources.get(source.name) if config else None
    by_header = {normalise_name(h): name for name, h in source.headers(mapping.columns if mapping else {}).items()}
    return {i: (by_header[normalise_name(h)], source.fields[by_header[normalise_name(h)]])
            for i, h in enumerate(header) if i >= len(SHEET_PREFIX) and normalise_name(h) in by_header}


def _typed(values: list[object], parser: str) -> list[object]:
    """The cells the parser accepts as their number or date; the others (the failing ones) stay as delivered."""
    raw = pd.Series(["" if v is None else str(v) for v in values], dtype="str")
    parsed = PARSERS[parser](raw)
    typed = []
    for value, result, reason in zip(values, parsed.values, parsed.reasons):
        if isinstance(reason, str) or pd.isna(result) or value in ("", None):
            typed.append(value)
        elif parser == "date":
            typed.append(result.date())
        elif parser == "datetime":
            typed.append(result.to_pydatetime())
        elif parser == "amount":
            typed.append(float(result))
        else:
            typed.append(int(result))
    return typed


def _whole_number(value: object) -> object:
    """Digits that read back the same as an integer cell are stored as one (no 'number stored as text')."""
    return int(value) if isinstance(value, str) and WHOLE_NUMBER.match(value) else value


def _style_header(sheet: Worksheet) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _mark_failures(sheet: Worksheet, header: list[str], rows: list[FailedRow], reason_column: int) -> None:
    """Fill each failing cell and explain it in a comment; a reason about the whole row goes on its `Reden`."""
    positions = {normalise_name(h): i + 1 for i, h in enumerate(header) if i >= len(SHEET_PREFIX)}
    for line, row in enumerate(rows, start=2):
        notes: dict[int, list[str]] = {}
        for column, _value, reason in row.reasons:
            target = positions.get(normalise_name(column)) if column else None
            notes.setdefault(target or reason_column, []).append(
                reason if target else f"{column or 'rij'}: {reason}")
        for position, texts in notes.items():
            cell = sheet.cell(line, position)
            cell.fill = FAILED_FILL
            comment = Comment("\n".join(texts), "kansenmonitor")
            comment.width, comment.height = 300, 40 + 20 * len(texts)
            cell.comment = comment


def _widths(sheet: Worksheet, header: list[str], columns: list[list[object]]) -> None:
    for position, (title, values) in enumerate(zip(header, columns), start=1):
        longest = max([len(title) + 3, *(len(_shown(v)) + 2 for v in values)])
        sheet.column_dimensions[get_column_letter(position)].width = min(longest, MAX_WIDTH)


def _shown(value: object) -> str:
    if isinstance(value, dt.datetime):
        return "00-00-0000 00:00:00"
    if isinstance(value, dt.date):
        return "00-00-0000"
    return "" if value is None else str(value)


def _allowed(source: Source, name: str, meta: dict, config: Config | None) -> list[object]:
    """The answers a field accepts: the contract's choices and ranges, the configuration's names."""
    checks = {c.name: c.statistics for c in source.model.to_schema().columns[name].checks}
    if "isin" in checks:
        return list(checks["isin"]["allowed_values"])
    if "in_range" in checks and checks["in_range"]["max_value"] - checks["in_range"]["min_value"] <= 10:
        return list(range(int(checks["in_range"]["min_value"]), int(checks["in_range"]["max_value"]) + 1))
    if meta["parse"] in ("marker", "yes_no"):
        return ["ja", "nee"]
    if config is None:
        return []
    return {"area": lambda: [a.name for a in config.areas], "school": config.schools,
            "theme": lambda: list(config.themes),
            "pillar": lambda: sorted({p for a in config.areas for p in a.pillars}),
            }.get(meta["parse"], list)()


def _dropdown(sheet: Worksheet, column: int, rows: int, reference: str, title: str) -> None:
    validation = DataValidation(type="list", formula1=reference, allow_blank=True, errorStyle="warning",
                                errorTitle="Onbekend antwoord",
                                error=f"Dit antwoord staat niet in de lijst voor {title}. Toch gebruiken?",
                                promptTitle=title, prompt="Kies een antwoord uit de lijst.")
    validation.showErrorMessage = validation.showInputMessage = True
    letter = get_column_letter(column)
    validation.add(f"{letter}2:{letter}{rows + 1}")
    sheet.add_data_validation(validation)


class _Lists:
    """A hidden sheet holding each list of allowed answers once: Excel limits a list typed into a validation
    to 255 characters, a range on a sheet is not limited."""

    def __init__(self, workbook: Workbook):
        self.workbook = workbook
        self.sheet: Worksheet | None = None
        self.columns: dict[tuple, str] = {}

    def reference(self, values: list[object]) -> str:
        key = tuple(values)
        if key not in self.columns:
            if self.sheet is None:
                self.sheet = self.workbook.create_sheet(LISTS_SHEET)
                self.sheet.sheet_state = "hidden"
            letter = get_column_letter(len(self.columns) + 1)
            for number, value in enumerate(values, start=1):
                self.sheet[f"{letter}{number}"] = value
                if self.sheet[f"{letter}{number}"].data_type == "f":
                    self.sheet[f"{letter}{number}"].data_type = "s"
            self.columns[key] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(values)}"
        return self.columns[key]
