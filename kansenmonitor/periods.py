"""Measurement periods: halves of the school year by default, named like `2024-2025-H1`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from kansenmonitor.config import Config

PERIOD_PATTERN = re.compile(r"^(\d{4})-(\d{4})-(\w+)$")


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date
    name: str

    def __str__(self) -> str:
        return self.name


def _month_day(text: str, year: int) -> dt.date:
    month, day = (int(p) for p in text.split("-"))
    return dt.date(year, month, day)


def _school_year_of(day: dt.date, config: Config) -> int:
    start = _month_day(config.programme.school_year_start, day.year)
    return day.year if day >= start else day.year - 1


def periods_of_school_year(first_year: int, config: Config) -> list[Period]:
    return list(_periods_of_school_year(first_year, config.programme.school_year_start,
                                        tuple((b.start, b.end, b.name) for b in config.periods)))


@lru_cache(maxsize=1024)
def _periods_of_school_year(first_year: int, school_year_start: str,
                            boundaries: tuple[tuple[str, str, str], ...]) -> tuple[Period, ...]:
    """Worked out once per school year and calendar: validation places every distinct day of a batch."""
    year_start = _month_day(school_year_start, first_year)
    result = []
    for boundary_start, boundary_end, name in boundaries:
        start = _month_day(boundary_start, first_year)
        if start < year_start:
            start = _month_day(boundary_start, first_year + 1)
        end = _month_day(boundary_end, start.year)
        if end < start:
            end = _month_day(boundary_end, start.year + 1)
        result.append(Period(start, end, f"{first_year}-{first_year + 1}-{name}"))
    return tuple(sorted(result))


def period_of(day: dt.date | dt.datetime, config: Config) -> Period | None:
    """The period containing `day`, or None when the configured boundaries leave it uncovered."""
    if isinstance(day, dt.datetime):
        day = day.date()
    year = _school_year_of(day, config)
    return next((p for p in periods_of_school_year(year, config) if p.start <= day <= p.end), None)


def parse_period(name: str, config: Config) -> Period:
    """The period called `name`, or ValueError listing the programme's periods."""
    match = PERIOD_PATTERN.match(name)
    if match:
        for period in periods_of_school_year(int(match.group(1)), config):
            if period.name == name:
                return period
    known = ", ".join(p.name for p in programme_periods(config))
    raise ValueError(f"onbekende periode '{name}'; de perioden van het programma zijn: {known}")


def programme_periods(config: Config) -> list[Period]:
    """Every period that overlaps the programme's run, in order."""
    start, end = config.programme.start, config.programme.end
    result = []
    for year in range(_school_year_of(start, config), _school_year_of(end, config) + 1):
        result += [p for p in periods_of_school_year(year, config) if p.end >= start and p.start <= end]
    return result


def previous_period(period: Period, config: Config) -> Period | None:
    earlier = [p for p in programme_periods(config) if p.end < period.start]
    return earlier[-1] if earlier else None


def elapsed_share(config: Config, period: Period) -> float:
    """The part of the programme's run behind us at the period's end: where spending should be."""
    start, end = config.programme.start, config.programme.end
    share = ((period.end - start).days + 1) / ((end - start).days + 1)
    return min(max(share, 0.0), 1.0)
