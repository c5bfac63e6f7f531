"""A period's indicators: the SQL models of `sql/` run on the facts, then targets, trend and disclosure control.

The definitions live in SQL (see `sql/README.md`); this module runs each mart as one statement for every
coalition computed together (one, or all of a period's at once) and adds per coalition what its configuration
decides: targets, status and which cells may be shown. The previous period is recomputed from the facts, so a
correction delivered later shows in the trend too.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, insert, select, text
from sqlglot import exp

from kansenmonitor.catalogue import indicator as catalogue_entry
from kansenmonitor.config import Config, Target
from kansenmonitor.db import IndicatorValue
from kansenmonitor.dutch import date, format_target_value, points, threshold_words
from kansenmonitor.periods import Period, elapsed_share, previous_period, programme_periods
from kansenmonitor.safe_output import write_csv
from tasks.indicators import caveats, disclosure
from tasks.indicators.models import (
    Seeds,
    configured_marts,
    load_model,
    mart_indicators,
    models_dir,
    period_params,
    seed_tables,
    statement,
)

CSV_HEADER = ["indicator", "scope", "scope_name", "period", "value", "numerator", "denominator", "target", "status",
              "previous_value", "suppressed", "quarantined_rows"]
SCOPE_ORDER = {"coalition": 0, "area": 1, "school": 2}
COMPARE = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}
# The answer scale of a rating (a mean): a hidden group all at one end of it gives every answer away.
RATING_SCALE = (1.0, 5.0)
# PostgreSQL's memory per hash or sort while the marts run: a period's children grouped per scope (about 130 MB
# for 100,000 children) are hashed in memory instead of sorted on disk at the server's default of 4 MB.
MART_WORK_MEM = "256MB"


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator for one scope in one period, as stored in `indicator_value` and written to the CSV."""

    indicator: str
    scope: str
    scope_name: str
    period: str
    value: float | None
    numerator: float | None
    denominator: float | None
    target: str
    status: str
    previous_value: float | None
    suppressed: bool = False
    quarantined_rows: int = 0
    protective: bool = False  # hidden only so that another hidden cell cannot be worked out

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous_value is None:
            return None
        return self.value - self.previous_value


# --- evaluating -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    indicator: str
    scope: str
    scope_name: str
    value: float | None
    numerator: float | None
    denominator: float | None
    suppressed: bool = False
    units: float | None = None
    protective: bool = False

    @property
    def shown(self) -> bool:
        return self.value is not None and not self.suppressed


def _number(value: object) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class Closing:
    """One coalition's period to compute: its configuration and the period as that configuration defines it."""

    config: Config
    period: Period


def mart_cells(seeds: Seeds, closings: list[Closing], mart: str) -> dict[str, list[Cell]]:
    """The mart's rows as cells of the catalogue's indicators, per coalition; a row of a variant the catalogue lacks
    is left out. Coalitions whose parameters for this mart agree share one statement (see `statement`)."""
    conn = seeds.conn
    query, names = statement(mart, conn.dialect.name)
    ids = {i.variant: i.id for i in mart_indicators(mart)}
    alike: dict[tuple, list[Closing]] = {}
    for closing in closings:
        params = {k: v for k, v in period_params(closing.config, closing.period).items() if k in names}
        alike.setdefault(tuple(sorted(params.items())), []).append(closing)
    cells: dict[str, list[Cell]] = {c.config.slug: [] for c in closings}
    for params, group in alike.items():
        scopes = seeds.load([c.config for c in group])
        for row in conn.execute(query, dict(params)).mappings():
            indicator_id = ids.get(row.get("variant"))
            if indicator_id:
                scope = scopes[row["scope_id"]]
                cells[scope.coalition].append(Cell(
                    indicator_id, scope.scope, scope.scope_name, _number(row["value"]), _number(row["numerator"]),
                    _number(row["denominator"]), units=_number(row.get("units"))))
    return cells


def scope_keys(config: Config) -> list[tuple[str, str]]:
    """Every scope as (scope, scope_name): the coalition, the places, the schools, in the configuration's order."""
    return [("coalition", config.programme.name), *[("area", a.name) for a in config.areas],
            *[("school", s) for s in config.schools()]]


def additive_relations(config: Config) -> list[disclosure.Relation]:
    """Cells that add up to another: a place's schools to the place, the places and the schools to the coalition."""
    coalition = ("coalition", config.programme.name)
    return [(coalition, tuple(("area", a.name) for a in config.areas)),
            *[(("area", a.name), tuple(("school", s.name) for s in a.schools)) for a in config.areas],
            (coalition, tuple(("school", s) for s in config.schools()))]


def disclosure_table(config: Config, indicator: str, cells: list[Cell]) -> disclosure.Table | None:
    """The indicator's cells as disclosure control sees them, or None for a figure about no one (sessions,
    themes, complaints, ideas, pillars), which is always shown."""
    entry = catalogue_entry(indicator)
    minimum = {"respondents": config.min_respondents, "organisations": config.min_organisations}.get(entry.suppress)
    if minimum is None:
        return None
    scale = (0.0, 1.0) if entry.kind == "share" else RATING_SCALE if entry.kind == "mean" else None
    order = {key: n for n, key in enumerate(scope_keys(config))}
    table = {}
    for c in sorted(cells, key=lambda c: order[(c.scope, c.scope_name)]):
        units = 0.0 if c.value is None else c.units if c.units is not None else c.denominator
        table[(c.scope, c.scope_name)] = disclosure.Cell(c.numerator or 0.0, c.denominator or 0.0, units)
    return disclosure.Table(table, minimum, scale)


def _period_cells(seeds: Seeds, closings: list[Closing]) -> dict[str, dict[tuple, Cell]]:
    """Per coalition, every configured indicator's cells of its period, those no publication may show marked
    suppressed. Each mart runs once for all coalitions that configure it; disclosure control stays per coalition."""
    by_indicator: dict[str, dict[str, list[Cell]]] = {c.config.slug: {} for c in closings}
    for mart in dict.fromkeys(m for c in closings for m in configured_marts(c.config)):
        wanted = [c for c in closings if mart in configured_marts(c.config)]
        for slug, cells in mart_cells(seeds, wanted, mart).items():
            for cell in cells:
                by_indicator[slug].setdefault(cell.indicator, []).append(cell)
    return {c.config.slug: _disclosed(c.config, by_indicator[c.config.slug]) for c in closings}


def _disclosed(config: Config, by_indicator: dict[str, list[Cell]]) -> dict[tuple, Cell]:
    tables = {i: t for i, cells in by_indicator.items() if (t := disclosure_table(config, i, cells))}
    hidden = disclosure.cells_to_hide(tables, additive_relations(config))
    too_small = {(i, key) for i, t in tables.items() for key, cell in t.cells.items() if 0 < cell.units < t.minimum}
    return {(c.indicator, c.scope, c.scope_name): replace(c, suppressed=(c.indicator, (c.scope, c.scope_name))
                                                          in hidden,
                                                          protective=(c.indicator, (c.scope, c.scope_name))
                                                          in hidden - too_small)
            for cells in by_indicator.values() for c in cells}


@cache
def _mart_reads(folder: Path, mart: str) -> tuple[set[str], bool]:
    """The delivery sources the mart's composed statement reads, and whether it counts the period alone."""
    query, _ = statement(mart, "postgresql")
    own = {p.name for p in load_model(folder, "marts", mart).tree.find_all(exp.Placeholder)}
    return caveats.sources_read(str(query)), "period" in own


def _quarantined_rows(conn: Connection, closings: list[Closing]) -> dict[str, dict[str, int]]:
    """Per coalition and mart, the open quarantined rows that would enter the mart once corrected: of its sources,
    of the period, or up to the period where the mart counts since the start or reads a register as it stood."""
    open_rows = caveats.open_quarantine(conn, [c.config.slug for c in closings])
    counts = {}
    for closing in closings:
        config, period = closing.config, closing.period
        names = [p.name for p in programme_periods(config)]
        so_far = set(names[:names.index(period.name) + 1]) if period.name in names else {period.name}
        counts[config.slug] = {}
        for mart in configured_marts(config):
            sources, of_period = _mart_reads(models_dir(), mart)
            counts[config.slug][mart] = caveats.quarantined_rows(
                open_rows[config.slug], sources, {period.name} if of_period else so_far)
    return counts


def _judge(target: Target, cell: Cell, previous: float | None, expected: float) -> str:
    value = cell.value
    if value is None:
        return "no_data"
    checks = []
    if target.all:
        checks.append(value >= cell.denominator)
    elif target.tolerance is not None:
        checks.append(abs(value - expected) <= target.tolerance)
    elif target.value is not None:
        checks.append(COMPARE[target.comparison](value, target.value))
    if target.more_than_previous and previous is not None:
        checks.append(value > previous)
    if not checks:
        return "no_data"
    return "met" if all(checks) else "not_met"


def target_text(config: Config, indicator: str, scope: str, period: Period, denominator: float | None = None) -> str:
    """The target as a policy reader writes it, e.g. `minimaal 90%`, `alle`, `alle 5`, `geen klachten` or
    `minimaal 2 activiteiten, in minstens 1 dorp, uiterlijk 31 juli 2025`."""
    target = config.targets.get(indicator)
    if target is None:
        return ""
    parts = []
    if target.all:
        parts.append(f"alle {denominator:g}" if denominator else "alle")
    elif target.tolerance is not None:
        expected = format_target_value(indicator, elapsed_share(config, period))
        parts.append(f"rond {expected}, in de pas met de verstreken tijd (marge {points(target.tolerance)})")
    elif target.value is not None:
        parts.append(threshold_words(indicator, target.comparison, target.value))
    if target.more_than_previous:
        parts.append("meer dan het vorige meetmoment")
    if scope == "coalition" and target.min_areas:
        label = config.programme.area_label if target.min_areas == 1 else config.programme.area_label_plural
        parts.append(f"in minstens {target.min_areas} {label}")
    if scope == "coalition" and target.every_area:
        parts.append(f"in alle {config.programme.area_label_plural}")
    if target.deadline:
        parts.append(f"uiterlijk {date(target.deadline)}")
    return ", ".join(parts)


def _row(config: Config, period: Period, cell: Cell, previous: Cell | None) -> IndicatorRow:
    previous_value = previous.value if previous and previous.shown else None
    target = config.targets.get(cell.indicator)
    status = "no_data"
    if target and not cell.suppressed:
        status = _judge(target, cell, previous_value, elapsed_share(config, period))
    return IndicatorRow(cell.indicator, cell.scope, cell.scope_name, period.name, cell.value, cell.numerator,
                        cell.denominator, target_text(config, cell.indicator, cell.scope, period, cell.denominator),
                        status, previous_value, cell.suppressed, protective=cell.protective)


def _coalition_status(config: Config, row: IndicatorRow, areas: list[IndicatorRow]) -> IndicatorRow:
    """The coalition's status where the target is about the areas: `min_areas` reached, or `every_area` met."""
    target = config.targets.get(row.indicator)
    if target is None or row.status == "no_data":
        return row
    if target.min_areas:
        reached = sum(a.status == "met" for a in areas) >= target.min_areas
        return replace(row, status="met" if reached else "not_met")
    if target.every_area and row.status == "met" and any(a.status != "met" for a in areas):
        return replace(row, status="not_met")
    return row


def _sort_key(row: IndicatorRow) -> tuple:
    return row.indicator, SCOPE_ORDER[row.scope], row.scope_name


def compute_indicators(engine: Engine, config: Config, period: Period) -> list[IndicatorRow]:
    """Every configured indicator for every scope in `period`, with target, status and previous value."""
    return compute_many(engine, [Closing(config, period)])[config.slug]


def compute_many(engine: Engine, closings: list[Closing]) -> dict[str, list[IndicatorRow]]:
    """`compute_indicators` for many coalitions at once, by coalition: each mart is one statement for all of them
    (for each set of coalitions whose parameters agree), and the previous periods' another; targets, status,
    trend and disclosure control are then worked out per coalition, exactly as for one."""
    before = [Closing(c.config, p) for c in closings if (p := previous_period(c.period, c.config))]
    with engine.connect() as conn, seed_tables(conn) as seeds:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"SET LOCAL work_mem = '{MART_WORK_MEM}'"))  # until the seeds' rollback
        current = _period_cells(seeds, closings)
        previous = _period_cells(seeds, before) if before else {}
        quarantined = _quarantined_rows(conn, closings)
    return {c.config.slug: _rows(c.config, c.period, current[c.config.slug], previous.get(c.config.slug, {}),
                                 quarantined[c.config.slug]) for c in closings}


def _rows(config: Config, period: Period, current: dict[tuple, Cell], previous: dict[tuple, Cell],
          quarantined: dict[str, int]) -> list[IndicatorRow]:
    rows = [replace(_row(config, period, cell, previous.get(key)),
                    quarantined_rows=quarantined[catalogue_entry(cell.indicator).mart])
            for key, cell in current.items()]
    areas = {}
    for row in rows:
        if row.scope == "area":
            areas.setdefault(row.indicator, []).append(row)
    rows = [_coalition_status(config, r, areas.get(r.indicator, [])) if r.scope == "coalition" else r
            for r in rows]
    return sorted(rows, key=_sort_key)


# --- storing and writing --------------------------------------------------------------------------------------


def store_indicators(engine: Engine, config: Config, rows: list[IndicatorRow]) -> None:
    """Replace the coalition's stored indicators of the rows' periods, in one transaction."""
    periods = sorted({r.period for r in rows})
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(delete(IndicatorValue).where(IndicatorValue.coalition == config.slug,
                                                  IndicatorValue.period.in_(periods)))
        if rows:
            conn.execute(insert(IndicatorValue), [
                dict(coalition=config.slug, period=r.period, indicator=r.indicator, scope=r.scope,
                     scope_name=r.scope_name, value=r.value, numerator=r.numerator, denominator=r.denominator,
                     target=r.target, status=r.status, previous_value=r.previous_value, suppressed=r.suppressed,
                     protective=r.protective, quarantined_rows=r.quarantined_rows, computed_at=now) for r in rows])


def read_indicators(engine: Engine, config: Config, period: Period) -> list[IndicatorRow]:
    """The coalition's stored indicators of `period`, as `compute_indicators` gave them."""
    v = IndicatorValue
    query = select(v.indicator, v.scope, v.scope_name, v.period, v.value, v.numerator, v.denominator, v.target,
                   v.status, v.previous_value, v.suppressed, v.quarantined_rows, v.protective).where(
        v.coalition == config.slug, v.period == period.name)
    with engine.connect() as conn:
        rows = [IndicatorRow(*row[:7], row.target or "", *row[8:]) for row in conn.execute(query)]
    return sorted(rows, key=_sort_key)


def csv_number(value: float | None) -> Decimal | None:
    """A whole number without decimals, otherwise at most six: the same text from every database (a number, so
    the CSV writer never takes a minus sign for a formula)."""
    if value is None:
        return None
    return Decimal(f"{value + 0.0:.6f}".rstrip("0").rstrip("."))


def write_indicators_csv(rows: list[IndicatorRow], path: str | Path) -> None:
    """The indicators as CSV; a suppressed cell keeps its numerator and denominator for the steward but not its
    value (nor the previous one), text cells neutralised for Excel; `quarantined_rows` is the caveat: rows in
    quarantine that would enter the figure once corrected."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_csv(handle, CSV_HEADER, (
            [r.indicator, r.scope, r.scope_name, r.period,
             *map(csv_number, [None if r.suppressed else r.value, r.numerator, r.denominator]), r.target, r.status,
             csv_number(None if r.suppressed else r.previous_value), "true" if r.suppressed else "false",
             r.quarantined_rows] for r in sorted(rows, key=_sort_key)), delimiter=",")
