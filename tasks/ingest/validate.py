"""Validating a recognised sheet against its source's pandera model, keeping every reason of every row.

The result splits the rows in two: `valid` (typed, keyed, placed in a period) and `failures` (per row
all reasons, lazily collected, naming the column, the value as delivered and the reason in Dutch).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import itemgetter

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.engines.pandas_engine import Engine

from kansenmonitor.config import Config, normalise_name
from kansenmonitor.periods import period_of, periods_of_school_year
from schemas.base import Source
from tasks.ingest.limits import rows_beyond
from tasks.ingest.parse import PARSERS, Factor, factorized, parse_distinct
from tasks.ingest.pseudonymise import pseudonyms as pseudonymise_factors
from tasks.ingest.pseudonymise import quarantine_token
from tasks.ingest.read import Sheet
from tasks.ingest.recognise import Recognised

KEY_LENGTH = 500  # the record_key columns of the fact and quarantine tables


@dataclass
class Failure:
    column: str | None
    value: str | None
    reason: str


class DeliveredRows(Mapping):
    """The rows as delivered, only the contract's columns (header -> cell; personal columns and columns outside
    the contract left out), built only when one is asked for: only quarantined rows ever are, and a dict per row
    of a large delivery costs more than checking it."""

    def __init__(self, body: list[list[str]], header: list[str], shown: list[int]):
        self._body, self._header, self._shown = body, header, shown
        self._mask: tuple[str, Callable[[int], str]] | None = None

    def mask(self, column: str, shown: Callable[[int], str]) -> None:
        """Show `shown(index)` in place of what was delivered in `column`."""
        self._mask = (column, shown)

    def __getitem__(self, index: int) -> dict[str, str]:
        cells = self._body[index]
        row = {self._header[pos]: cells[pos] for pos in self._shown}
        if self._mask and self._mask[0] in row:
            row[self._mask[0]] = self._mask[1](index)
        return row

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self._body)))

    def __len__(self) -> int:
        return len(self._body)


@dataclass
class Validated:
    """A delivery's rows after validation: every row read is in exactly one of `valid` and `failed`."""

    source: Source
    rows_read: int
    valid: pd.DataFrame
    failed: dict[int, list[Failure]] = field(default_factory=dict)
    raw: Mapping[int, dict[str, str]] = field(default_factory=dict)
    row_numbers: dict[int, int] = field(default_factory=dict)
    keys: dict[int, str | None] = field(default_factory=dict)
    periods: dict[int, str | None] = field(default_factory=dict)
    correction_refs: dict[int, int] = field(default_factory=dict)
    outside_contract: list[str] = field(default_factory=list)  # headers neither stored nor written out
    within_limits: bool = False  # validation found no value the database cannot store in any row
    # The rows of every file validated with this one: `valid` is a part of them, row `i` at `batch[offset + i]`,
    # so the load converts a batch's valid rows at once.
    batch: pd.DataFrame | None = None
    offset: int = 0

    def fail(self, index: int, column: str | None, value: object, reason: str) -> None:
        shown = None if value is None or value == "" or (isinstance(value, float) and pd.isna(value)) else str(value)
        self.failed.setdefault(index, []).append(Failure(column, shown, reason))

    def raw_json(self, index: int) -> str:
        return json.dumps(self.raw[index], ensure_ascii=False)


CORRECTION_COLUMN = "Correctie-ID"


def _key_part(value: object) -> str:
    text = value if isinstance(value, str) else None  # text first: most key parts are
    if text is None:
        if value is None or pd.isna(value):
            return ""
        if isinstance(value, pd.Timestamp):
            return value.isoformat()
        if isinstance(value, float):
            return f"{value:.2f}"
        text = str(value)
    return " ".join(text.lower().split()) if text.isascii() else normalise_name(text)  # same, without Unicode work


def _bounded_key(key: str) -> str:
    """Keep a natural key within the database column: a very long one keeps its start plus a hash of the whole."""
    if len(key) <= KEY_LENGTH:
        return key
    return f"{key[:KEY_LENGTH - 65]}#{hashlib.sha256(key.encode()).hexdigest()}"


def _key_column(values: pd.Series, factor: Factor | None = None) -> np.ndarray:
    """`_key_part` of every value, worked out once per distinct value ("" where missing); `factor`, when known,
    is `values` as a Factor."""
    codes, distinct = factor or factorized(values)
    return np.array([_key_part(value) for value in distinct], dtype=object)[codes]


def _check_message(check: pa.Check | None, check_name: str, first_row: int | None) -> str:
    stats = check.statistics if check is not None else {}
    if check_name == "not_nullable":
        return "verplicht veld is leeg"
    if check_name.startswith("isin"):
        return f"antwoord is niet toegestaan; toegestaan zijn: {', '.join(map(str, stats['allowed_values']))}"
    if check_name.startswith("in_range"):
        return f"moet tussen {stats['min_value']} en {stats['max_value']} liggen"
    if check_name.startswith("greater_than_or_equal_to"):
        return f"moet {stats['min_value']} of meer zijn"
    if check_name.startswith("str_length"):
        return f"mag niet leeg zijn en hoogstens {stats.get('max_value')} tekens hebben"
    if check_name == "duplicate_record":
        return f"dubbele regel: komt al voor op rij {first_row or '?'} van dit bestand"
    return f"voldoet niet aan de controle {check_name}"


_NOT_YET = pd.DataFrame()  # a file's valid rows until its batch is validated (a frame per file costs ~0.1 ms)


@dataclass
class _File:
    """One file's part of a batch: its rows as delivered and where they sit in the batch's frame."""

    body: list[list[str]]
    header: list[str]
    by_field: dict[str, int]
    result: Validated
    start: int  # the file's first row in the batch frame
    numbers: list[int]  # each row's number as the person sees it
    workbook: bool  # an XLSX, whose bare numbers in date columns are Excel dates
    uncached: list[tuple[int, str]]  # (row, field) of cells failed for a formula never computed

    @property
    def stop(self) -> int:
        return self.start + len(self.body)


def _prepare(sheet: Sheet, recognised: Recognised, offset: int) -> _File:
    source = recognised.source
    header = sheet.rows[recognised.header_index]
    body = sheet.rows[recognised.header_index + 1:]
    numbers = sheet.row_numbers[recognised.header_index + 1:]
    by_field = {name: pos for pos, name in recognised.columns.items()}
    shown = sorted(pos for pos, name in recognised.columns.items() if not source.fields[name]["personal"])
    result = Validated(source, len(body), _NOT_YET, raw=DeliveredRows(body, header, shown))
    result.row_numbers = dict(enumerate(numbers))
    headless = [pos for pos, h in enumerate(header) if not h]
    for index, row in enumerate(body if headless else []):  # what the cell holds is outside the contract: not kept
        for pos in headless:
            if row[pos] != "":
                result.fail(index, f"kolom {pos + 1}", None, "cel staat in een kolom zonder kolomkop")
    correction_pos = next((i for i, h in enumerate(header) if normalise_name(h) == normalise_name(CORRECTION_COLUMN)),
                          None)
    result.outside_contract = [h for pos, h in enumerate(header)
                               if h and pos not in recognised.columns and pos != correction_pos]
    if correction_pos is not None:
        result.correction_refs = {index: int(row[correction_pos]) for index, row in enumerate(body)
                                  if row[correction_pos].isdigit()}
    return _File(body, header, by_field, result, offset, numbers, sheet.workbook,
                 _fail_uncached(sheet, result, numbers, header, recognised))


def _fail_uncached(sheet: Sheet, result: Validated, numbers: list[int], header: list[str],
                   recognised: Recognised) -> list[tuple[int, str]]:
    """A contract cell holding a formula nobody computed has no answer yet: a failure naming the cell, never
    an empty answer; the cells failed, as (row, field)."""
    if not sheet.uncached:
        return []
    index_of = {number: index for index, number in enumerate(numbers)}
    failed = []
    for (row, position), cell in sorted(sheet.uncached.items()):
        if row in index_of and position in recognised.columns:
            result.fail(index_of[row], header[position], None,
                        f"cel {cell} bevat een formule zonder berekende waarde; open de werkmap in Excel of "
                        "LibreOffice, laat hem herberekenen en sla hem opnieuw op")
            failed.append((index_of[row], recognised.columns[position]))
    return failed


def _delivered(files: list[_File], source: Source) -> dict[str, np.ndarray]:
    """The batch's cells as delivered, one array of text per field ("" where a file lacks an optional header)."""
    columns, count = {}, sum(len(file.body) for file in files)
    for name, meta in source.fields.items():
        if not meta["personal"]:
            columns[name] = np.fromiter(chain.from_iterable(
                map(itemgetter(file.by_field[name]), file.body) if name in file.by_field else repeat("", len(file.body))
                for file in files), dtype=object, count=count)
    return columns


def validate_many(sheets: list[tuple[Sheet, Recognised]], config: Config, key: bytes,
                  received: dt.date) -> list[Validated]:
    """`validate` for several files at once: one pass of parsers and pandera per source instead of one per file
    (their fixed cost is most of a small delivery's), with every row, duplicate and reason still its file's."""
    results: list[Validated | None] = [None] * len(sheets)
    by_source: dict[str, list[int]] = {}
    for position, (_, recognised) in enumerate(sheets):
        by_source.setdefault(recognised.source.name, []).append(position)
    for positions in by_source.values():
        files, offset = [], 0
        for position in positions:
            files.append(_prepare(*sheets[position], offset))
            offset = files[-1].stop
        _validate_files(files, sheets[positions[0]][1].source, config, key, received)
        for position, file in zip(positions, files):
            results[position] = file.result
    return results


def _validate_files(files: list[_File], source: Source, config: Config, key: bytes, received: dt.date) -> None:
    mapping = config.sources.get(source.name)
    headers = source.headers(mapping.columns if mapping else {})
    delivered = _delivered(files, source)
    sizes = [len(file.body) for file in files]
    file_of = np.repeat(np.arange(len(files)), sizes)  # batch row -> its file

    def fail(position: int, column: str | None, value: object, reason: str) -> None:
        file = files[file_of[position]]
        file.result.fail(position - file.start, column, value, reason)

    checked = source.checked_schema
    workbook = np.repeat([file.workbook for file in files], sizes).astype(bool)
    parse_failed = {(file.start + index, name) for file in files for index, name in file.uncached}
    columns: dict[str, pd.Series] = {}
    factors: dict[str, Factor] = {}  # the typed columns as parsed, per distinct delivered value
    for name, meta in source.fields.items():
        if meta["personal"]:
            continue
        raw = delivered[name]
        allowed = next((c.statistics["allowed_values"] for c in checked.columns[name].checks if c.name == "isin"), None)
        parsed = parse_distinct(PARSERS[meta["parse"]], raw, workbook, config=config, allowed=allowed)
        columns[name], factors[name] = parsed.values, parsed.factor
        reasons = parsed.reasons.to_numpy(dtype=object)
        for position in np.flatnonzero(pd.notna(reasons)).tolist():
            fail(position, headers[name], raw[position], reasons[position])
            parse_failed.add((position, name))
    typed = pd.DataFrame(columns, index=pd.RangeIndex(len(file_of)), copy=False)  # one frame, not a column at a time

    pseudonyms = None
    if "pupil" in typed:
        keyed_factors = {**factors, "pupil": pseudonymise_factors(factors["school"], factors["pupil"], key)}
        pseudonyms = pd.Series(np.take(keyed_factors["pupil"][1], keyed_factors["pupil"][0]), index=typed.index,
                               dtype=object)
    else:
        keyed_factors = factors
    keyed = typed.assign(pupil=pseudonyms) if pseudonyms is not None else typed
    beyond = rows_beyond(keyed, source.name, keyed_factors)
    for file in files:
        file.result.within_limits = not beyond[file.start:file.stop].any()
    parts = [_key_column(keyed[name], keyed_factors.get(name)).tolist() for name in source.natural_key]
    keys = list(map("|".join, zip(*parts)))
    if max(map(len, keys), default=0) > KEY_LENGTH:
        keys = list(map(_bounded_key, keys))
    typed["_key"] = pd.Series(keys, index=typed.index, dtype=object) if keys else pd.Series(dtype="str")
    typed["_file"] = file_of
    for file in files:
        file.result.keys = dict(enumerate(keys[file.start:file.stop]))

    row_numbers = np.array([n for file in files for n in file.numbers], dtype="int64")
    suspects = _suspects(checked, typed, factors)
    try:
        if suspects is None:
            checked.validate(typed, lazy=True)
        elif suspects.any():
            checked.validate(typed[suspects], lazy=True)
    except pa.errors.SchemaErrors as errors:
        first = ~typed.duplicated(["_file", "_key"])  # where each record first occurs, for the duplicates' reason
        first_rows = dict(zip(zip(typed["_file"][first], typed["_key"][first]), row_numbers[first.to_numpy()]))
        frame_checks_reported: set[tuple[int, str]] = set()
        for case in errors.failure_cases.itertuples(index=False):
            if case.index is None or pd.isna(case.index):
                continue
            position = int(case.index)
            if case.schema_context == "DataFrameSchema":
                if (position, case.check) in frame_checks_reported:
                    continue
                frame_checks_reported.add((position, case.check))
                case = case._replace(column=None)
            column = case.column if isinstance(case.column, str) and case.column in headers else None
            if column and (position, column) in parse_failed:
                continue
            check = None
            if column and case.schema_context == "Column" and not pd.isna(case.check_number):
                check = checked.columns[column].checks[int(case.check_number)]
            shown_column = headers[column] if column else ", ".join(headers[n] for n in source.natural_key)
            value = delivered[column][position] if column else None
            first_row = first_rows.get((typed.at[position, "_file"], typed.at[position, "_key"]))
            fail(position, shown_column, value, _check_message(check, str(case.check), first_row))

    periods, outside = _periods(source, typed, config, received, factors)
    outside_reason = _outside_reason(source, config)
    stored = typed.drop(columns="_file").assign(_row=row_numbers, _period=periods)
    if pseudonyms is not None:
        stored["pupil"] = pseudonyms.astype(object)
        pupils = pseudonyms.tolist()  # sliced per file below: a list slice, not a Series
    for file in files:
        result, start, stop = file.result, file.start, file.stop
        result.periods = dict(enumerate(periods[start:stop]))
        rows = stored.iloc[start:stop]
        rows.index = pd.RangeIndex(stop - start)  # in place: half the cost of set_axis, which copies the frame
        for position in np.flatnonzero(outside[start:stop]):
            index = int(position)
            if source.name == "leerlingaantallen":  # the school year as read, e.g. 0000-0001
                result.fail(index, headers["school_year"], rows.at[index, "school_year"], outside_reason)
            else:
                result.fail(index, headers[source.period_field],
                            file.body[index][file.by_field[source.period_field]], outside_reason)
        if pseudonyms is not None:
            _mask_pupils(result, file.header[file.by_field["pupil"]], headers["pupil"], pupils[start:stop])
        ok = np.ones(stop - start, dtype=bool)
        ok[list(result.failed)] = False
        result.valid, result.batch, result.offset = rows[ok] if result.failed else rows, stored, start


def _str_length(values: pd.Series, stats: dict) -> np.ndarray:
    """pandera's `str_length` of text (a column that passed `_dtype_holds`), one len() per value: pandas' `.str`
    first infers the column's type."""
    low = stats["min_value"] if stats["min_value"] is not None else 0
    high = stats["max_value"] if stats["max_value"] is not None else np.inf
    return np.array([isinstance(value, str) and low <= len(value) <= high for value in values.tolist()], dtype=bool)


def _passed(check: Callable[[pd.Series, dict], pd.Series]) -> Callable[[pd.Series, dict], np.ndarray]:
    return lambda values, stats: check(values, stats).to_numpy(dtype=bool, na_value=False)


# The column checks the contract uses, per row: whether a value (never a missing one) passes.
_ROW_CHECKS: dict[str, Callable[[pd.Series, dict], np.ndarray]] = {
    "isin": _passed(lambda values, stats: values.isin(stats["allowed_values"])),
    "str_length": _str_length,
    "in_range": _passed(lambda values, stats: values.between(
        stats["min_value"], stats["max_value"],
        {(True, True): "both", (True, False): "left", (False, True): "right", (False, False): "neither"}[
            (stats["include_min"], stats["include_max"])])),
    "greater_than_or_equal_to": _passed(lambda values, stats: values >= stats["min_value"]),
}


def _dtype_holds(column: pa.Column, values: pd.Series) -> bool:
    """pandera's dtype check of a column; for text in an object column (a str or missing in every cell, judged
    by pandera cell by cell) pandas' type inference in one pass."""
    if values.dtype == object and len(values) and str(column.dtype) == "string[python]":
        return pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")
    return bool(np.all(column.dtype.check(Engine.dtype(values.dtype), values)))


def _suspects(schema: pa.DataFrameSchema, frame: pd.DataFrame,
              factors: dict[str, Factor] | None = None) -> np.ndarray | None:
    """The rows some check of `schema` fails, worked out column at a time, and every row of a duplicated record
    (whether a row is the first of its record depends on the others), so pandera, which names each failure,
    needs to judge only these; None when the schema asks for something not worked out here (pandera then
    judges every row). `factors`: columns of `frame` already factorised."""
    if schema.strict or schema.unique or schema.coerce or any(c.name != "duplicate_record" for c in schema.checks):
        return None
    suspect = np.zeros(len(frame), dtype=bool)
    for name, column in schema.columns.items():
        if name not in frame or column.unique or column.coerce or column.regex:
            return None
        values = frame[name]
        if not _dtype_holds(column, values):
            return None
        # Judged once per distinct value where the column is known as a Factor (every check here is one value at
        # a time), text otherwise factorised first (pandas works through it cell by cell), the rest as it is.
        factor = (factors or {}).get(name)
        if factor is None and values.dtype == object and column.checks:
            factor = factorized(values)
        codes, judged = (factor[0], pd.Series(factor[1], dtype=values.dtype)) if factor else (None, values)
        missing = judged.isna().to_numpy()
        missing = missing[codes] if factor else missing
        if not column.nullable:
            suspect |= missing
        for check in column.checks:
            if check.name not in _ROW_CHECKS or not check.ignore_na or check.element_wise:
                return None
            passed = _ROW_CHECKS[check.name](judged, check.statistics)
            suspect |= ~missing & ~(passed[codes] if factor else passed)
    if schema.checks:
        suspect |= _duplicated(frame["_file"].to_numpy(), frame["_key"].tolist())
    return suspect


def _duplicated(files: np.ndarray, keys: list[str]) -> np.ndarray:
    """Every row whose record (file, key) occurs more than once. A batch holds each file's rows together, in file
    order (`_validate_files`), and a file with as many distinct keys as rows (nearly every one) is judged by one set
    of its keys, not by hashing (file, key) pairs the way `DataFrame.duplicated` does."""
    duplicated = np.zeros(len(keys), dtype=bool)
    bounds = [0, *(np.flatnonzero(np.diff(files)) + 1).tolist(), len(keys)]
    for start, stop in zip(bounds, bounds[1:]):
        part = keys[start:stop]
        if len(set(part)) < len(part):
            counts = Counter(part)
            duplicated[start:stop] = [counts[key] > 1 for key in part]
    return duplicated


def _periods(source: Source, typed: pd.DataFrame, config: Config, received: dt.date,
             factors: dict[str, Factor] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each record's period (the one containing its date), and which records fall outside the programme's run
    (or, for a school year, outside the calendar); worked out once per distinct day of the batch. `factors`:
    columns of `typed` already factorised."""
    programme, count = config.programme, len(typed)
    if source.name == "leerlingaantallen":
        codes, years = pd.factorize(typed["school_year"])
        placed = [_period_of_school_year(year, config) for year in years]
        names = np.array([name for name, _ in placed] + [None], dtype=object)[codes]
        outside = np.array([failed for _, failed in placed] + [False], dtype=bool)[codes]
        return names, outside
    if source.period_field is None:
        period = period_of(min(max(received, programme.start), programme.end), config).name
        return np.full(count, period, dtype=object), np.zeros(count, dtype=bool)
    if source.fields[source.period_field]["parse"] == "period":  # a record about a period names it
        named = typed[source.period_field].astype(object)
        return named.where(named.notna(), None).to_numpy(dtype=object), np.zeros(count, dtype=bool)
    codes, moments = (factors or {}).get(source.period_field) or factorized(typed[source.period_field])
    by_day: dict[dt.date | None, tuple[str | None, bool]] = {None: (None, False)}
    placed = []
    for moment in moments:
        day = None if pd.isna(moment) else moment.date()
        if day not in by_day:
            period = _period_of(day, config)
            by_day[day] = (period.name if period else None,
                           period is None or not programme.start <= day <= programme.end)
        placed.append(by_day[day])
    return (np.array([name for name, _ in placed], dtype=object)[codes],
            np.array([out for _, out in placed], dtype=bool)[codes])


def _outside_reason(source: Source, config: Config) -> str:
    if source.name == "leerlingaantallen":
        return "schooljaar valt buiten de kalender"
    programme = config.programme
    return (f"datum valt buiten de looptijd van het programma "
            f"({programme.start:%d-%m-%Y} t/m {programme.end:%d-%m-%Y})")


def _period_of_school_year(year: str | None, config: Config) -> tuple[str | None, bool]:
    """The first period of a school year, and whether the year lies outside the calendar (0000-0001 and
    9999-10000 have no periods)."""
    if not year:
        return None, False
    try:
        return periods_of_school_year(int(year[:4]), config)[0].name, False
    except ValueError:
        return None, True


def _period_of(day: dt.date, config: Config):
    """The period of `day`, None for a day at the calendar's edge (its school year's neighbour does not exist)."""
    try:
        return period_of(day, config)
    except ValueError:
        return None


def _mask_pupils(result: Validated, delivered: str, shown: str, pseudonyms: list[str | None]) -> None:
    """Quarantine keeps a row as delivered except its pupil number: the pseudonym's token stands in, so a
    corrected row is still the same child; a pupil cell that failed itself is blanked, never kept."""
    failed_cells = {i for i, failures in result.failed.items() for f in failures if f.column == shown}
    result.raw.mask(delivered, lambda index: quarantine_token(pseudonyms[index])
                    if pseudonyms[index] and index not in failed_cells else "")
    for failures in result.failed.values():
        for failure in failures:
            if failure.column == shown:
                failure.value = None


def natural_key(values: list[object]) -> str:
    """The record key of a record's natural-key values, as a delivered row of them gets it."""
    return _bounded_key("|".join(_key_part(v) for v in values))
