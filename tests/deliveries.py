"""Writing real delivery files for tests, in the shapes people's tools export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl

PLANNING_HEADER = ["Datum", "Activiteit", "Dorp", "Doelgroep", "Thema 1", "Thema 2", "Soort", "Begeleiders"]
ATTENDANCE_HEADER = ["Datum", "Activiteit", "Dorp", "School", "Groep", "Leerling", "Aanwezig"]


def write_csv(path: Path, rows: list[list[object]], separator: str = ";", encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], title: str | None = None, sheet: str = "Blad1") -> Path:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    if title:
        worksheet.append([title])
        worksheet.append([])
    for row in rows:
        worksheet.append(row)
    workbook.save(path)
    return path


def planning(*sessions: list[object]) -> list[list[object]]:
    return [PLANNING_HEADER, *sessions]


def session(date="12-09-2024", title="Voetbal", area="Valthermond", group="5-8", theme_1="Sport",
            theme_2="Cultuur", kind="vast", supervisors=3) -> list[object]:
    return [date, title, area, group, theme_1, theme_2, kind, supervisors]


def attendance(*rows: list[object]) -> list[list[object]]:
    return [ATTENDANCE_HEADER, *rows]


def present(pupil, date="12-09-2024", title="Voetbal", area="Valthermond", school="OBS de Aanloop", group="5",
            marker="ja") -> list[object]:
    return [date, title, area, school, group, pupil, marker]


def excel_date(day: str) -> dt.datetime:
    return dt.datetime.strptime(day, "%d-%m-%Y")
