"""Neutralising what we write where it could run: spreadsheets and CSV files a person opens in Excel, email headers.

CSV cells that Excel would run as a formula get a leading quote; the reader takes that quote off
again, so a correction sheet round-trips. In XLSX such a cell is stored as text, which Excel never
runs, so the value stays exactly as it was.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix a text cell that Excel would run as a formula with a quote; leave numbers alone."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(handle: TextIO, header: list[str], rows: Iterable[Iterable[object]], delimiter: str = ";") -> None:
    """The one way a CSV for people is written: every text cell neutralised, numbers and empty cells as they are
    (`None` as an empty cell)."""
    writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
    writer.writerow([neutralise(cell) for cell in header])  # a coalition's own column names are delivered text too
    writer.writerows([neutralise(cell) for cell in row] for row in rows)


def unneutralise(text: str) -> str:
    """The value behind a cell we (or Excel users) quoted to keep it from running as a formula."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def append_row(worksheet, values: list[object]) -> None:
    """Append to an openpyxl worksheet with every text cell stored as text, never as a formula."""
    worksheet.append(values)
    for cell in worksheet[worksheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def reject_line_breaks(what: str, value: str) -> str:
    """Refuse a value that would end an email header early and start one of its own (header injection)."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"refusing to put a line break into an email header: the {what} {value!r} contains one")
    return value
