"""The quality gate's catalogue: which suites and checks apply to a coalition's period, and how a failing
row reads for the data steward.

Every check is one SQL query (`sql/quality/`) that returns one row per problem, run by Great Expectations
as an `UnexpectedRowsExpectation` on its suite's asset. Queries are rendered with their values inlined
because Great Expectations runs them as plain text, so the values are rendered as SQL literals by
SQLAlchemy for the database's own dialect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Dialect, literal, select, text, union_all

from kansenmonitor import dutch
from kansenmonitor.config import Config
from kansenmonitor.db import FACT_TABLES
from kansenmonitor.periods import Period, previous_period
from kansenmonitor.sql import load_sql

BATCH_MARK = "__batch__"  # where Great Expectations puts the batch's table, `{batch}` in its query


@dataclass(frozen=True)
class Check:
    """One rule. `rule` is stored (and shown on the quality page) when it passes; `explain` turns a row into
    (scope, Dutch detail) for the steward; `source` is the delivery the finding is about."""

    name: str
    rule: str
    query: str
    blocking: bool
    explain: Callable[[dict], tuple[str, str]]
    source: str = ""


@dataclass(frozen=True)
class Suite:
    name: str
    asset: str
    checks: list[Check]


def suites_for(config: Config, period: Period, dialect: Dialect) -> list[Suite]:
    """The suites that apply: attendance checks where the coalition has schools, the register check where
    the coalition measures VOG coverage."""
    base = dict(coalition=config.slug, period=period.name)
    suites = []
    if config.schools():
        suites += [_completeness(config, period, base, dialect), _plausibility(config, period, base, dialect),
                   _references(base, dialect)]
    if _measures(config, "vog_dekking"):
        suites.append(_freshness(config, period, base, dialect))
    return suites


def _render(name: str, dialect: Dialect, *, for_expectation: bool = True, template: dict | None = None,
            **values: object) -> str:
    """`sql/quality/<name>.sql` with its Jinja rendered from `template` and its `:parameters` as literals; an
    expectation's query also keeps `{batch}` as the only format field, so braces in configured names cannot
    break it."""
    subqueries = {k: v for k, v in values.items() if not isinstance(v, (str, int, float))}
    scalars = {k: v for k, v in values.items() if k not in subqueries}
    marks = {key: f"__subquery_{key}__" for key in subqueries}
    lines = load_sql("quality", name, batch=BATCH_MARK, **marks, **(template or {})).splitlines()
    sql = "\n".join(line for line in lines if not line.lstrip().startswith("--"))
    statement = text(sql).bindparams(**{k: v for k, v in scalars.items() if f":{k}" in sql})
    rendered = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    for key, subquery in subqueries.items():
        compiled = subquery.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        rendered = rendered.replace(marks[key], f"({compiled})")
    if for_expectation:
        rendered = rendered.replace("{", "{{").replace("}", "}}")
    return rendered.replace(BATCH_MARK, "{batch}")


def _measures(config: Config, indicator: str) -> bool:
    return indicator in config.targets or any(indicator in goal.indicators for goal in config.goals)


def _completeness(config: Config, period: Period, base: dict, dialect: Dialect) -> Suite:
    schools = union_all(*[select(literal(s).label("school")) for s in config.schools()])
    checks = [
        Check(f"volledigheid_{source}",
              f"Elke school leverde {source} aan voor het {dutch.period_label(config, period)}.",
              _render("missing_school", dialect, source=source, schools=schools), True,
              lambda row, source=source: (row["school"],
                                          f"{row['school']} leverde geen {source} aan voor het "
                                          f"{dutch.period_label(config, period)}"), source)
        for source in config.quality.required_sources
    ]
    required = [(source, FACT_TABLES[source].__tablename__) for source in config.quality.required_sources]
    return Suite("volledigheid", _render("delivered_by_school", dialect, for_expectation=False,
                                         template={"required": required}, **base), checks)


def _plausibility(config: Config, period: Period, base: dict, dialect: Dialect) -> Suite:
    factor = _number(config.quality.outlier_factor)
    checks = [Check(
        "sessie_uitschieter",
        f"Geen sessie in het {dutch.period_label(config, period)} met meer dan {factor}× de mediaan van de sessies "
        f"aan aanwezige kinderen (bij ten minste {config.quality.min_sessions_for_median} sessies).",
        _render("session_outlier", dialect, **base, factor=config.quality.outlier_factor,
               min_sessions=config.quality.min_sessions_for_median), False,
        lambda row: (_session(row), f"Sessie {_session(row, ' in ')}: {row['present']} kinderen aanwezig, meer dan "
                                    f"{factor}× de mediaan ({_number(row['median'])})"), "aanwezigheid")]
    previous = previous_period(period, config)
    label = config.programme.area_label
    if previous:
        drop = round(config.quality.max_participant_drop * 100)
        checks.append(Check(
            "deelnemers_daling",
            f"Geen {label} waar het aantal deelnemers meer dan {drop}% daalt ten opzichte van het "
            f"{dutch.period_label(config, previous)} "
            f"(bij ten minste {config.quality.min_previous_participants} deelnemers).",
            _render("participant_drop", dialect, **base, previous=previous.name,
                    max_drop=config.quality.max_participant_drop,
                    min_previous=config.quality.min_previous_participants), False,
            lambda row: (row["area"], f"Deelnemers in {row['area']} dalen van {row['n_previous']} in het "
                                      f"{dutch.period_label(config, previous)} naar {row['n_current']} in het "
                                      f"{dutch.period_label(config, period)} "
                                      f"(-{round(100 - 100 * row['n_current'] / row['n_previous'])}%)"),
            "aanwezigheid"))
    asset = _render("present_children", dialect, for_expectation=False, **base,
                   previous=previous.name if previous else "")
    return Suite("plausibiliteit", asset, checks)


def _references(base: dict, dialect: Dialect) -> Suite:
    check = Check(
        "sessie_niet_gepland", "Alle aanwezigheid hoort bij een sessie in de actuele activiteitenplanning.",
        _render("unplanned_session", dialect, **base), True,
        lambda row: (_session(row), f"Sessie {_session(row, ' in ')}: {row['n_rows']} aanwezigheidsregels horen bij "
                                    "een sessie die niet (meer) in de actuele planning staat"), "aanwezigheid")
    return Suite("referentiele-integriteit", _render("attendance_sessions", dialect, for_expectation=False, **base),
                 [check])


def _freshness(config: Config, period: Period, base: dict, dialect: Dialect) -> Suite:
    end = f"{period.end:%d-%m-%Y}"
    max_age = config.quality.register_max_age_days
    cutoff = period.end - dt.timedelta(days=max_age)
    checks = [
        Check("register_begeleiders_ontbreekt", "Het register begeleiders is aangeleverd.",
              _render("register_missing", dialect), True,
              lambda row: ("begeleiders", "Register begeleiders is niet aangeleverd; de VOG-dekking kan niet worden "
                                          "bepaald"), "begeleiders"),
        Check("register_begeleiders_verouderd", f"Het register begeleiders is op {end} niet ouder dan {max_age} dagen.",
              _render("register_stale", dialect, cutoff=cutoff.isoformat()), True,
              lambda row: ("begeleiders", _stale(row, period, max_age)), "begeleiders"),
    ]
    return Suite("actualiteit", _render("supervisor_register", dialect, for_expectation=False, **base), checks)


def _stale(row: dict, period: Period, max_age: int) -> str:
    received = _day(row["received_at"])
    return (f"Register begeleiders is {(period.end - received).days} dagen oud op {period.end:%d-%m-%Y} "
            f"(aangeleverd op {received:%d-%m-%Y} als {row['file_name']}; toegestaan is {max_age} dagen)")


def _day(value: object) -> dt.date:
    """A date from a query row: SQLite hands text back where PostgreSQL hands dates."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _session(row: dict, joiner: str = " ") -> str:
    return f"{_day(row['session_date']):%d-%m-%Y} {row['title']}{joiner}{row['area']}"


def _number(value: float | Decimal) -> str:
    """3.0 → '3', 6.5 → '6,5': one decimal at most."""
    return dutch.plain_number(round(float(value), 1))
