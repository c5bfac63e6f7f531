"""What a period's reports are made of, read from the database in one place: indicator values of every period
so far, what each source delivered, who delivered nothing, the quality gate's findings and children's ideas.

Indicator values come from the `indicator_report` view, which blanks every suppressed figure: a value resting on
too few respondents never reaches a template, whatever the template does.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Connection, Engine, Float, String, column, func, select, table, union

from kansenmonitor.config import Config
from kansenmonitor.db import FACT_TABLES, ChildResponse, Delivery, QualityResult, QuarantinedRow
from kansenmonitor.periods import Period, programme_periods
from kansenmonitor.publication import (
    Finding,
    GateSummary,
    MissingSchool,
    PeriodPublication,
    Reading,
    SourceQuality,
)

INDICATOR_REPORT = table(
    "indicator_report",
    column("coalition", String), column("period", String), column("indicator", String), column("scope", String),
    column("scope_name", String), column("value", Float), column("numerator", Float), column("denominator", Float),
    column("target", String), column("status", String), column("suppressed", Boolean),
)
IDEAS_PER_SCHOOL = 3


def periods_so_far(config: Config, period: Period) -> list[str]:
    """The programme's periods up to and including `period`: the course a report shows."""
    names = [p.name for p in programme_periods(config) if p.start <= period.start]
    return names if period.name in names else [period.name]


def read_publication(engine: Engine, config: Config, period: Period, with_ideas: bool = True) -> PeriodPublication:
    """Everything the reports of `period` show, in one connection."""
    periods = periods_so_far(config, period)
    with engine.connect() as conn:
        return PeriodPublication(
            readings=_readings(conn, config.slug, periods), periods=periods,
            sources=_source_quality(conn, config.slug, period.name),
            missing=_missing_schools(conn, config, period.name),
            gate=_gate_summary(conn, config.slug, period.name),
            ideas=_sample_ideas(conn, config.slug, period.name) if with_ideas else [])


def _readings(conn: Connection, coalition: str, periods: list[str]) -> list[Reading]:
    v = INDICATOR_REPORT.c
    query = select(v.period, v.indicator, v.scope, v.scope_name, v.value, v.numerator, v.denominator, v.target,
                   v.status, v.suppressed).where(v.coalition == coalition, v.period.in_(periods))
    return [Reading(*row[:9], bool(row[9])) for row in conn.execute(query)]


def _sample_ideas(conn: Connection, coalition: str, period: str) -> list[tuple[str, str]]:
    """A few of the children's ideas per school, as (school, idea), for the Lokale Coalitie to read."""
    c = ChildResponse
    query = (select(c.school, c.idea)
             .where(c.coalition == coalition, c.period == period, c.superseded_by.is_(None), c.idea.is_not(None))
             .order_by(c.school, c.response_id))
    taken: dict[str, int] = {}
    sample = []
    for school, idea in conn.execute(query):
        if idea.strip() and taken.get(school, 0) < IDEAS_PER_SCHOOL:
            taken[school] = taken.get(school, 0) + 1
            sample.append((school, idea.strip()))
    return sample


def _gate_summary(conn: Connection, coalition: str, period: str) -> GateSummary | None:
    """The stored gate result of the period, or None when the gate has not run for it."""
    rows = conn.execute(select(QualityResult).where(QualityResult.coalition == coalition,
                                                    QualityResult.period == period)
                        .order_by(QualityResult.blocking.desc(), QualityResult.check_name,
                                  QualityResult.scope_name)).all()
    if not rows:
        return None
    return GateSummary(len({r.check_name for r in rows}),
                       [Finding(r.check_name, r.scope_name, r.detail, r.blocking) for r in rows if not r.passed])


def _source_quality(conn: Connection, coalition: str, period: str) -> list[SourceQuality]:
    """Per source, the files that hold rows of this period: their reconciliation and the open quarantine."""
    contributing = union(
        *[select(m.delivery_id).where(m.coalition == coalition, m.period == period) for m in FACT_TABLES.values()],
        select(QuarantinedRow.delivery_id).where(QuarantinedRow.coalition == coalition,
                                                 QuarantinedRow.period == period),
    ).subquery()
    files = (select(Delivery.source, func.count(), func.sum(Delivery.rows_read), func.sum(Delivery.rows_loaded),
                    func.sum(Delivery.rows_quarantined))
             .where(Delivery.coalition == coalition, Delivery.id.in_(select(contributing.c.delivery_id)))
             .group_by(Delivery.source))
    still_open = (select(QuarantinedRow.source, func.count())
                  .where(QuarantinedRow.coalition == coalition, QuarantinedRow.period == period,
                         QuarantinedRow.resolved_by.is_(None))
                  .group_by(QuarantinedRow.source))
    open_rows = dict(conn.execute(still_open).all())
    return sorted(SourceQuality(source or "onbekend", n, int(read or 0), int(loaded or 0), int(quarantined or 0),
                                open_rows.get(source, 0))
                  for source, n, read, loaded, quarantined in conn.execute(files))


def _missing_schools(conn: Connection, config: Config, period: str) -> list[MissingSchool]:
    """Configured schools without a single current row this period in a source every school must deliver."""
    missing = []
    for source in config.quality.required_sources:
        model = FACT_TABLES[source]
        delivered = set(conn.scalars(select(model.school).distinct().where(
            model.coalition == config.slug, model.period == period, model.superseded_by.is_(None))))
        missing += [MissingSchool(school, config.area_of_school(school), source)
                    for school in config.schools() if school not in delivered]
    return missing
