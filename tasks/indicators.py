"""A period's indicators: the SQL models of `sql/` run on the facts, then targets, trend and disclosure control.

The definitions live in SQL (see `sql/README.md`); this module composes the models into one statement per
indicator and adds what the configuration decides: targets, status and which cells may be shown. The
previous period is recomputed from the facts, so a correction delivered later shows in the trend too.
"""

from __future__ import annotations

import csv
import datetime as dt
import operator
import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, Date, DateTime, Engine, TextClause, bindparam, delete, insert, text

from kansenmonitor.config import Config, Target
from kansenmonitor.db import IndicatorValue
from kansenmonitor.periods import Period, previous_period
from kansenmonitor.safe_output import neutralise
from reports.indicators import dutch_date, format_target

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
CSV_HEADER = ["indicator", "scope", "scope_name", "period", "value", "numerator", "denominator", "target", "status",
              "previous_value", "suppressed"]
SCOPE_ORDER = {"coalition": 0, "area": 1, "school": 2}

# The plan's minimum of children for a session of groups 1-4 to count, unless the target sets its own.
SESSION_MIN_CHILDREN = 10

# Figures resting on people's answers or on children: shown only with enough respondents behind them.
RESPONDENT_BASED = frozenset({
    "groepssfeer", "voortgang_partners", "veiligheid_kinderen", "veiligheid_ouders", "klachtweg_kinderen",
    "klachtweg_ouders",
    "groepssfeer_aandeel", "voortgang_partners_aandeel", "bereik", "opkomst",
})

# Every mart defines `population`; this joins it to the scopes it counts for, keeping empty scopes.
POPULATION_IN_SCOPE = """SELECT seed_scopes.scope, seed_scopes.scope_name, seed_scopes.budget, population.*
    FROM seed_scopes
    LEFT JOIN population
        ON (seed_scopes.area IS NULL OR population.area = seed_scopes.area)
        AND (seed_scopes.school IS NULL OR population.school = seed_scopes.school)"""

PARAM_TYPES = {"period_end": Date(), "vog_valid_from": Date(), "after_period_end": DateTime()}
BIND_NAME = re.compile(r"(?<![:\w]):(\w+)")
CTE_START = re.compile(r"\s*(\w+)\s+AS\s*\(", re.IGNORECASE)
COMPARE = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}


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

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous_value is None:
            return None
        return self.value - self.previous_value


# --- composing the models ---------------------------------------------------------------------------------


def marts() -> list[str]:
    return sorted(p.stem for p in (SQL_DIR / "marts").glob("*.sql"))


def indicator_model(indicator: str) -> tuple[str, str | None]:
    """The mart an indicator id comes from and its variant: `besteding_punt_2` -> (`besteding`, `punt_2`)."""
    for mart in sorted(marts(), key=len, reverse=True):
        if indicator == mart:
            return mart, None
        if indicator.startswith(mart + "_"):
            return mart, indicator.removeprefix(mart + "_")
    raise ValueError(f"unknown indicator '{indicator}'; the indicators are: {', '.join(marts())}")


@cache
def _model(layer: str, name: str) -> str:
    return re.sub(r"--[^\n]*", "", (SQL_DIR / layer / f"{name}.sql").read_text(encoding="utf-8")).strip()


def _closing_parenthesis(sql: str, start: int) -> int:
    depth, quoted = 1, False
    for position in range(start, len(sql)):
        char = sql[position]
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
            if depth == 0:
                return position
    raise ValueError("unbalanced parentheses in SQL model")


def _split_ctes(sql: str) -> tuple[list[tuple[str, str]], str]:
    """A model `WITH a AS (...), b AS (...) SELECT ...` as ([(a, ...), (b, ...)], `SELECT ...`)."""
    if not sql.upper().startswith("WITH"):
        return [], sql
    ctes, position = [], len("WITH")
    while True:
        start = CTE_START.match(sql, position)
        end = _closing_parenthesis(sql, start.end())
        ctes.append((start.group(1), sql[start.end():end].strip()))
        following = re.compile(r"\s*,").match(sql, end + 1)
        if not following:
            return ctes, sql[end + 1:].strip()
        position = following.end()


def _seed(name: str, columns: dict[str, str], rows: list[tuple]) -> tuple[str, dict]:
    """A small table from the configuration, as a SELECT of bound parameters (never SQL literals)."""
    if not rows:
        return "SELECT " + ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in columns.items()) + " WHERE 1 = 0", {}
    selects, params = [], {}
    for i, row in enumerate(rows):
        selects.append("SELECT " + ", ".join(f"CAST(:{name}_{i}_{c} AS {t}) AS {c}" for c, t in columns.items()))
        params.update({f"{name}_{i}_{c}": value for c, value in zip(columns, row)})
    return "\n    UNION ALL ".join(selects), params


def _seeds(config: Config) -> dict[str, tuple[str, dict]]:
    budgets = [a.budget for a in config.areas]
    coalition_budget = sum(budgets) if None not in budgets else None
    scopes = [("coalition", config.programme.name, None, None, coalition_budget)]
    scopes += [("area", a.name, a.name, None, a.budget) for a in config.areas]
    scopes += [("school", s, None, s, None) for s in config.schools()]
    name = "VARCHAR(200)"
    return {
        "seed_scopes": _seed("seed_scopes", {"scope": name, "scope_name": name, "area": name, "school": name,
                                             "budget": "DOUBLE PRECISION"}, scopes),
        "seed_eligible_groups": _seed("seed_eligible_groups", {"school_group": "INTEGER"},
                                      [(g,) for g in config.eligible_groups]),
        "seed_area_pillars": _seed("seed_area_pillars", {"area": name, "pillar": name},
                                   [(a.name, p) for a in config.areas for p in dict.fromkeys(a.pillars)]),
    }


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# Where an answer on a 1-5 scale starts to count for a share, unless the target sets `counts_from`.
RATING_FROM = {"veiligheid_ouders": ("safe_from", 4), "groepssfeer": ("good_from", 4),
               "voortgang_partners": ("on_track_from", 3)}


def _rating_thresholds(config: Config) -> dict[str, int]:
    found = {}
    for indicator_id, (parameter, default) in RATING_FROM.items():
        target = config.targets.get(indicator_id)
        found[parameter] = target.counts_from if target and target.counts_from else default
    return found


def _min_children(config: Config) -> int:
    target = config.targets.get("aanbod_onderbouw")
    return target.min_children if target and target.min_children else SESSION_MIN_CHILDREN


def _period_params(config: Config, period: Period) -> dict:
    end = period.end
    valid_from = _years_before(end, config.vog_max_age_years) if config.vog_max_age_years else dt.date.min
    return dict(coalition=config.slug, period=period.name, period_end=end,
                after_period_end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time()),
                school_year=period.name[:9], vog_valid_from=valid_from, min_children=_min_children(config),
                catalogue_size=len(config.themes), **_rating_thresholds(config))


def statement(config: Config, period: Period, mart: str, final: str | None = None) -> tuple[TextClause, dict]:
    """The mart as one statement: seeds, the staging models it names, its own CTEs with `population_in_scope`.

    With `final`, that SELECT replaces the mart's own, reading the CTEs up to `population_in_scope`.
    """
    ctes, select = _split_ctes(_model("marts", mart))
    at = [n for n, _ in ctes].index("population") + 1
    ctes = ctes[:at] + [("population_in_scope", POPULATION_IN_SCOPE)] + ([] if final else ctes[at:])
    body = "\n".join(b for _, b in ctes) + select
    seeds = {n: s for n, s in _seeds(config).items() if re.search(rf"\b{n}\b", body)}
    staging = [p.stem for p in sorted((SQL_DIR / "staging").glob("stg_*.sql")) if re.search(rf"\b{p.stem}\b", body)]
    named = [(n, sql) for n, (sql, _) in seeds.items()] + [(n, _model("staging", n)) for n in staging] + ctes
    sql = "WITH " + ",\n".join(f"{n} AS (\n{b}\n)" for n, b in named) + "\n" + (final or select)
    params = _period_params(config, period)
    for _, seed_params in seeds.values():
        params.update(seed_params)
    names = set(BIND_NAME.findall(sql))
    return text(sql).bindparams(*[bindparam(n, type_=t) for n, t in PARAM_TYPES.items() if n in names]), params


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

    @property
    def shown(self) -> bool:
        return self.value is not None and not self.suppressed


def _number(value: object) -> float | None:
    return None if value is None else float(value)


def configured_marts(config: Config) -> list[str]:
    """The marts of the indicators the configuration names in its targets or goals."""
    named = set(config.targets) | {i for goal in config.goals for i in goal.indicators}
    return [m for m in marts() if any(n == m or n.startswith(m + "_") for n in named)]


def mart_cells(conn: Connection, config: Config, period: Period, mart: str) -> list[Cell]:
    query, params = statement(config, period, mart)
    cells = []
    for row in conn.execute(query, params).mappings():
        variant = row.get("variant")
        cells.append(Cell(f"{mart}_{variant}" if variant else mart, row["scope"], row["scope_name"],
                           _number(row["value"]), _number(row["numerator"]), _number(row["denominator"])))
    return cells


def _groups(config: Config) -> list[tuple[tuple, list[tuple]]]:
    """Cells that add up to another, the smallest sums first: a hidden cell must never be the one unknown."""
    coalition = ("coalition", config.programme.name)
    areas = [("area", a.name) for a in config.areas]
    schools = [("school", s) for s in config.schools()]
    by_area = [(("area", a.name), [("school", s.name) for s in a.schools]) for a in config.areas]
    return [*by_area, (coalition, areas), (coalition, schools)]


def _suppress(cells: list[Cell], config: Config) -> list[Cell]:
    """Hide shares on too few respondents, then the next smallest cell where subtraction would reveal one."""
    index = {(c.scope, c.scope_name): c for c in cells}
    hidden = {k for k, c in index.items() if c.value is not None and c.denominator < config.min_respondents}
    changed = True
    while changed:
        changed = False
        for parent, children in _groups(config):
            present = [k for k in children if k in index and index[k].value is not None]
            shown = [k for k in present if k not in hidden]
            parent_shown = parent in index and index[parent].value is not None and parent not in hidden
            one_hidden = parent_shown and len(present) - len(shown) == 1
            sum_reveals_parent = parent in hidden and len(shown) == len(present)
            if shown and (one_hidden or sum_reveals_parent):
                hidden.add(min(shown, key=lambda k: (index[k].denominator, k)))
                changed = True
    return [replace(c, suppressed=(c.scope, c.scope_name) in hidden) for c in cells]


def _period_cells(conn: Connection, config: Config, period: Period) -> dict[tuple, Cell]:
    result = {}
    for mart in configured_marts(config):
        cells = mart_cells(conn, config, period, mart)
        for indicator in dict.fromkeys(c.indicator for c in cells):
            same = [c for c in cells if c.indicator == indicator]
            for cell in _suppress(same, config) if indicator in RESPONDENT_BASED else same:
                result[(cell.indicator, cell.scope, cell.scope_name)] = cell
    return result


def elapsed_share(config: Config, period: Period) -> float:
    """The part of the programme's run behind us at the period's end: where spending should be."""
    start, end = config.programme.start, config.programme.end
    share = ((period.end - start).days + 1) / ((end - start).days + 1)
    return min(max(share, 0.0), 1.0)


def _judge(target: Target, value: float | None, previous: float | None, expected: float) -> str:
    if value is None:
        return "no_data"
    checks = []
    if target.tolerance is not None:
        checks.append(abs(value - expected) <= target.tolerance)
    elif target.value is not None:
        checks.append(COMPARE[target.comparison](value, target.value))
    if target.more_than_previous and previous is not None:
        checks.append(value > previous)
    if not checks:
        return "no_data"
    return "met" if all(checks) else "not_met"


def target_text(config: Config, indicator: str, scope: str, period: Period) -> str:
    """The target in the words of the report, e.g. `≥ 90%` or `≥ 2, in minstens 1 dorp, uiterlijk 31 juli 2025`."""
    target = config.targets.get(indicator)
    if target is None:
        return ""
    parts = []
    if target.tolerance is not None:
        expected = format_target(indicator, elapsed_share(config, period))
        parts.append(f"{expected} ± {format_target(indicator, target.tolerance)} (verstreken tijd)")
    elif target.value is not None:
        parts.append(format_target(indicator, target.value, target.comparison))
    if target.more_than_previous:
        parts.append("meer dan de vorige periode")
    if scope == "coalition" and target.min_areas:
        label = config.programme.area_label if target.min_areas == 1 else config.programme.area_label_plural
        parts.append(f"in minstens {target.min_areas} {label}")
    if scope == "coalition" and target.every_area:
        parts.append(f"in alle {config.programme.area_label_plural}")
    if target.deadline:
        parts.append(f"uiterlijk {dutch_date(target.deadline)}")
    return ", ".join(parts)


def _row(config: Config, period: Period, cell: Cell, previous: Cell | None) -> IndicatorRow:
    previous_value = previous.value if previous and previous.shown else None
    target = config.targets.get(cell.indicator)
    status = "no_data"
    if target and not cell.suppressed:
        status = _judge(target, cell.value, previous_value, elapsed_share(config, period))
    return IndicatorRow(cell.indicator, cell.scope, cell.scope_name, period.name, cell.value, cell.numerator,
                        cell.denominator, target_text(config, cell.indicator, cell.scope, period), status,
                        previous_value, cell.suppressed)


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
    before = previous_period(period, config)
    with engine.connect() as conn:
        current = _period_cells(conn, config, period)
        previous = _period_cells(conn, config, before) if before else {}
    rows = [_row(config, period, cell, previous.get(key)) for key, cell in current.items()]
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
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(delete(IndicatorValue).where(IndicatorValue.coalition == config.slug,
                                                  IndicatorValue.period.in_(periods)))
        if rows:
            conn.execute(insert(IndicatorValue), [
                dict(coalition=config.slug, period=r.period, indicator=r.indicator, scope=r.scope,
                     scope_name=r.scope_name, value=r.value, numerator=r.numerator, denominator=r.denominator,
                     target=r.target, status=r.status, previous_value=r.previous_value, suppressed=r.suppressed,
                     computed_at=now) for r in rows])


def csv_number(value: float | None) -> str:
    """A whole number without decimals, otherwise at most six: the same text from every database."""
    if value is None:
        return ""
    return f"{value + 0.0:.6f}".rstrip("0").rstrip(".")


def write_indicators_csv(rows: list[IndicatorRow], path: str | Path) -> None:
    """The indicators as CSV; a suppressed cell keeps its numerator and denominator for the steward but not its
    value (nor the previous one), text cells neutralised for Excel."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for r in sorted(rows, key=_sort_key):
            figures = [None if r.suppressed else r.value, r.numerator, r.denominator]
            previous = None if r.suppressed else r.previous_value
            writer.writerow([neutralise(r.indicator), neutralise(r.scope), neutralise(r.scope_name),
                             neutralise(r.period), *map(csv_number, figures), neutralise(r.target),
                             neutralise(r.status), csv_number(previous), "true" if r.suppressed else "false"])
