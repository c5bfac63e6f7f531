"""Turning delivered text into typed values, column at a time, with a reason for every cell that fails.

Parsers never guess: a date that fits none of the contract's forms, or that does not exist, is a
failure with its reason, not a best effort. An empty cell is left empty; whether it may be is the
pandera model's business.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd

from kansenmonitor.config import Config, normalise_name
from kansenmonitor.periods import programme_periods

TIME = r"(?:[ T]+(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2}))?)?"
DAY_FIRST = re.compile(rf"(?P<d>[0-9]{{1,2}})-(?P<m>[0-9]{{1,2}})-(?P<y>[0-9]{{4}}){TIME}\Z")
YEAR_FIRST = re.compile(rf"(?P<y>[0-9]{{4}})-(?P<m>[0-9]{{1,2}})-(?P<d>[0-9]{{1,2}}){TIME}\Z")
EXCEL_SERIAL = re.compile(r"[0-9]{5}(?:\.[0-9]+)?\Z")
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
DATE_FORMS = "dd-mm-jjjj, d-m-jjjj of jjjj-mm-dd (eventueel met tijd hh:mm[:ss])"

TRUE_MARKERS = {"ja", "j", "x", "1", "yes", "y", "true", "waar"}
FALSE_MARKERS = {"nee", "n", "0", "no", "false", "onwaar", ""}


Factor = tuple[np.ndarray, np.ndarray]
"""A column as codes into its distinct values (`distinct[codes]` is the column): what is worked out per value is
worked out once per distinct one, and a column factorised once serves every step after it."""


def factorized(values: pd.Series) -> Factor:
    """`values` as a Factor; a missing value is None."""
    codes, distinct = pd.factorize(values)  # -1 where missing: the None appended last
    return codes, np.append(np.asarray(distinct, dtype=object), None)


class Parsed:
    """A parsed column: typed values, and per row the reason it failed (or None); `factor`, when known, is the
    values as a Factor."""

    def __init__(self, values: pd.Series, reasons: pd.Series, factor: Factor | None = None):
        self.values = values
        self.reasons = reasons
        self.factor = factor


def _reasons(index: pd.Index) -> pd.Series:
    return pd.Series(None, index=index, dtype=object)


def _empty(raw: pd.Series) -> pd.Series:
    return raw.isna() | (raw == "")


def _cells(raw: pd.Series) -> list[str | None]:
    """The cells as Python text, None where missing: the parsers below judge a few dozen distinct cells of a
    batch one by one in Python, which costs less than pandas' fixed cost per operation on a column."""
    return [cell if isinstance(cell, str) else None for cell in raw.tolist()]


def _parsed(raw: pd.Series, values: list[object], reasons: list[str | None], dtype: str) -> Parsed:
    return Parsed(pd.Series(values, index=raw.index, dtype=dtype), pd.Series(reasons, index=raw.index, dtype=object))


def parse_text(raw: pd.Series, **_) -> Parsed:
    return _parsed(raw, [cell or None for cell in _cells(raw)], [None] * len(raw), object)


@lru_cache(maxsize=1 << 16)
def _timestamp(text: str) -> tuple[bool, dt.datetime | None]:
    """Whether `text` has a contract form, and the moment it names (None when that does not exist)."""
    match = DAY_FIRST.match(text) or YEAR_FIRST.match(text)
    if match:
        part = match.groupdict()
        try:
            return True, dt.datetime(int(part["y"]), int(part["m"]), int(part["d"]), int(part["H"] or 0),
                                     int(part["M"] or 0), int(part["S"] or 0))
        except ValueError:
            return True, None
    if EXCEL_SERIAL.match(text):
        return True, EXCEL_EPOCH + dt.timedelta(days=float(text))
    return False, None


def _moments(raw: pd.Series, workbook: pd.Series | None, day_only: bool) -> Parsed:
    """A date as the contract writes it (`day_only`: the day it falls on); a bare number only from an XLSX
    (`workbook` per row), where it is Excel's own date serial: in a CSV it is a typing slip or an account
    number, never a date."""
    in_workbook = [False] * len(raw) if workbook is None else workbook.tolist()
    values, reasons = [], []
    for text, from_workbook in zip(_cells(raw), in_workbook):
        has_form, moment = _timestamp(text) if text else (False, None)
        reason = None
        if text and EXCEL_SERIAL.match(text) and not from_workbook:
            moment = None
            reason = f"een los getal is geen datum; verwacht {DATE_FORMS} (alleen een Excel-werkmap kent datumgetallen)"
        elif text and not has_form:
            reason = f"geen geldige datum; verwacht {DATE_FORMS}"
        elif text and moment is None:
            reason = "deze datum bestaat niet"
        if day_only and moment is not None:
            moment = dt.datetime(moment.year, moment.month, moment.day)
        values.append(moment)
        reasons.append(reason)
    return _parsed(raw, values, reasons, "datetime64[us]")


def parse_datetime(raw: pd.Series, workbook: pd.Series | None = None, **_) -> Parsed:
    return _moments(raw, workbook, day_only=False)


def parse_date(raw: pd.Series, workbook: pd.Series | None = None, **_) -> Parsed:
    return _moments(raw, workbook, day_only=True)


THOUSANDS = re.compile(r"^([0-9]{1,3})((?:\.[0-9]{3})+)$")
INTEGER = re.compile(r"[+-]?[0-9]{1,9}")
GROUP_WORD = re.compile(r"(?i)^groep\s*")


def _integers(raw: pd.Series, reason: str, prefix: re.Pattern | None = None) -> Parsed:
    """Whole numbers, a thousands separator (`1.234`) allowed; `prefix`, when given, is dropped first."""
    values, reasons = [], []
    for text in _cells(raw):
        text = prefix.sub("", text) if prefix is not None and text is not None else text  # `groep` alone: empty
        cleaned = THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(".", ""), text) if text else text
        ok = bool(cleaned) and INTEGER.fullmatch(cleaned) is not None
        values.append(int(cleaned) if ok else None)
        reasons.append(reason if text and not ok else None)
    return _parsed(raw, values, reasons, "Int64")


def parse_int(raw: pd.Series, **_) -> Parsed:
    return _integers(raw, "geen geheel getal")


def parse_group(raw: pd.Series, **_) -> Parsed:
    return _integers(raw, "geen groep; verwacht 1 tot en met 8", GROUP_WORD)


def _markers(raw: pd.Series, true: set[str], false: set[str], reason: str, empty_fails: bool) -> Parsed:
    values, reasons = [], []
    for text in _cells(raw):
        lowered = (text or "").casefold()
        value = True if lowered in true else False if lowered in false else None
        values.append(value)
        reasons.append(reason if value is None and (text or empty_fails) else None)
    return _parsed(raw, values, reasons, "boolean")


def parse_marker(raw: pd.Series, **_) -> Parsed:
    """Presence: ja/nee, j/n, x/leeg and 1/0 all occur; an empty cell means absent."""
    return _markers(raw, TRUE_MARKERS, FALSE_MARKERS,
                    "onbekende aanwezigheidsmarkering; gebruik ja/nee, j/n, x/leeg of 1/0", empty_fails=True)


def parse_yes_no(raw: pd.Series, **_) -> Parsed:
    return _markers(raw, TRUE_MARKERS - {"x"}, FALSE_MARKERS - {""}, "verwacht ja of nee", empty_fails=False)


def _lookup(raw: pd.Series, find: Callable[[str], str | None], reason: Callable[[str], str]) -> Parsed:
    """`find` of every distinct cell (a delivery repeats its few names on every row), and `reason` where it
    finds nothing; a missing or empty cell is left empty."""
    found: dict[str, str | None] = {}
    values, reasons = [], []
    for text in _cells(raw):
        if text and text not in found:
            found[text] = find(text)
        value = found[text] if text else None
        values.append(value)
        reasons.append(reason(text) if text and value is None else None)
    return _parsed(raw, values, reasons, object)


def parse_area(raw: pd.Series, config: Config, **_) -> Parsed:
    label = config.programme.area_label
    known = ", ".join(a.name for a in config.areas)
    return _lookup(raw, config.area_of, lambda v: f"{label} '{v}' is onbekend; bekend zijn: {known}")


def parse_school(raw: pd.Series, config: Config, **_) -> Parsed:
    return _lookup(raw, config.school_of,
                   lambda v: f"onbekende school '{v}'; bekend zijn: {', '.join(config.schools())}")


def parse_theme(raw: pd.Series, config: Config, **_) -> Parsed:
    catalogue = {normalise_name(t): t for t in config.themes}
    return _lookup(raw, lambda v: catalogue.get(normalise_name(v)),
                   lambda v: f"thema '{v}' staat niet in de themacatalogus ({', '.join(config.themes)})")


def parse_pillar(raw: pd.Series, config: Config, **_) -> Parsed:
    """A pillar any wijk chose; whether it is one of this wijk's is for the indicator, not a failure."""
    chosen = {normalise_name(p): p for area in config.areas for p in area.pillars}
    known = ", ".join(dict.fromkeys(chosen.values())) or "geen; de configuratie noemt geen pijlers"
    return _lookup(raw, lambda v: chosen.get(normalise_name(v)),
                   lambda v: f"pijler '{v}' is door geen enkele {config.programme.area_label} gekozen; "
                             f"gekozen zijn: {known}")


def parse_choice(raw: pd.Series, allowed: list[str] | None = None, **_) -> Parsed:
    """Answers are matched case-insensitively onto the contract's spelling; others stay for pandera to reject."""
    canonical = {normalise_name(a): a for a in allowed or []}
    values = [canonical.get(normalise_name(cell), cell) if cell else None for cell in _cells(raw)]
    return _parsed(raw, values, [None] * len(raw), object)


def parse_amount(raw: pd.Series, **_) -> Parsed:
    """Euros as `1234.56`, `1.234,56` or `€ 1.234,56`; a comma is always the decimal sign."""
    text = raw.fillna("").str.replace(r"[€\s\u00a0]", "", regex=True).str.replace("EUR", "", case=False)
    dutch = text.str.contains(",", regex=False)
    text = text.where(~dutch, text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    thousands = text.str.fullmatch(r"[+-]?[0-9]{1,3}(?:\.[0-9]{3}){2,}|[+-]?[0-9]{1,3}\.[0-9]{3}") & ~dutch
    text = text.where(~thousands, text.str.replace(".", "", regex=False))
    ok = text.str.fullmatch(r"[+-]?[0-9]+(?:\.[0-9]{1,2})?").fillna(False).astype(bool)
    values = pd.Series(np.nan, index=raw.index, dtype="float64")
    values[ok] = pd.to_numeric(text[ok])
    reasons = _reasons(raw.index)
    reasons[~_empty(raw) & ~ok] = "geen geldig bedrag; verwacht bijvoorbeeld 1234,56 of € 1.234,56"
    return Parsed(values, reasons)


def parse_school_year(raw: pd.Series, **_) -> Parsed:
    parts = raw.str.extract(r"^([0-9]{4})\s*[-/]\s*([0-9]{4})$").apply(pd.to_numeric, errors="coerce")
    ok = parts[0].notna() & (parts[1] == parts[0] + 1)
    values = (parts[0].astype("Int64").astype(str) + "-" + parts[1].astype("Int64").astype(str)).where(ok, None)
    reasons = _reasons(raw.index)
    reasons[~_empty(raw) & ~ok] = "geen geldig schooljaar; verwacht bijvoorbeeld 2024-2025"
    return Parsed(values.astype(object), reasons)


def parse_period_name(raw: pd.Series, config: Config, **_) -> Parsed:
    """A period of the programme by its name (`2024-2025-H2`), for a record about a period rather than dated
    in it (the lokale coalitie interprets a period after it ended)."""
    known = {p.name for p in programme_periods(config)}

    def find(value: str) -> str | None:
        spelled = {value.strip(), value.strip().upper()}  # `2024-2025-h2` is meant as `2024-2025-H2`
        return next((name for name in sorted(spelled) if name in known), None)

    return _lookup(raw, find, lambda v: f"periode '{v}' is onbekend; de perioden van het programma zijn: "
                                        f"{', '.join(sorted(known))}")


def parse_goal(raw: pd.Series, config: Config, **_) -> Parsed:
    """A goal of the plan by its number in the report (`2`) or its title, as the configuration writes it."""
    titles = [g.title for g in config.goals]
    by_name = {normalise_name(t): t for t in titles} | {str(n): t for n, t in enumerate(titles, 1)}
    return _lookup(raw, lambda v: by_name.get(normalise_name(v).rstrip(".")),
                   lambda v: f"doel '{v}' is onbekend; noem het nummer (1 tot en met {len(titles)}) of de titel "
                             "zoals in het rapport")


def parse_distinct(parse: Callable[..., Parsed], raw: np.ndarray, workbook: np.ndarray, **kw) -> Parsed:
    """`parse` of a column of text cells, run once per distinct (text, from a workbook) pair and spread back to
    every row: a batch repeats its few dates, places, groups and markers on thousands of rows, and every parser
    judges a cell by its text alone (a date also by whether a workbook holds it)."""
    spread, _ = pd.factorize(raw, use_na_sentinel=False)  # codes in order of first appearance
    if workbook.any():
        spread, _ = pd.factorize(spread * 2 + workbook)
    first = np.empty(spread.max(initial=-1) + 1, dtype=np.intp)
    first[spread[::-1]] = np.arange(len(spread) - 1, -1, -1)  # the last write wins: each pair's first row
    parsed = parse(pd.Series(raw[first], dtype=object), workbook=pd.Series(workbook[first], dtype=bool), **kw)
    rows = pd.RangeIndex(len(raw))
    return Parsed(pd.Series(parsed.values.array.take(spread), index=rows, dtype=parsed.values.dtype, copy=False),
                  pd.Series(parsed.reasons.to_numpy(dtype=object)[spread], index=rows, dtype=object, copy=False),
                  (spread, parsed.values.to_numpy(dtype=object)))


PARSERS: dict[str, Callable[..., Parsed]] = {
    "text": parse_text, "date": parse_date, "datetime": parse_datetime, "int": parse_int,
    "group": parse_group, "marker": parse_marker, "yes_no": parse_yes_no, "area": parse_area,
    "school": parse_school, "theme": parse_theme, "choice": parse_choice, "amount": parse_amount,
    "school_year": parse_school_year, "pillar": parse_pillar, "period": parse_period_name, "goal": parse_goal,
}
