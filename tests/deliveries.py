"""Writing real delivery files for tests, in the shapes people's tools export."""

from __future__ import annotations

import datetime as dt

from sampledata.deliveries import write_csv, write_xlsx
from schemas import SOURCES

PLANNING_HEADER = list(SOURCES["activiteiten"].headers({}).values())
ATTENDANCE_HEADER = list(SOURCES["aanwezigheid"].headers({}).values())

__all__ = ["write_csv", "write_xlsx", "planning", "session", "attendance", "present", "excel_date"]


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
