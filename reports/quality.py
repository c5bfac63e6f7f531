"""The report's data-quality appendix: what each source delivered for the period, and who delivered nothing.

A figure is only as good as the rows behind it, so the reader sees per source how many rows the files
held, how many were loaded and how many still wait in quarantine, and which schools sent no attendance
or children's survey at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select, union

from kansenmonitor.config import Config
from kansenmonitor.db import FACT_TABLES, Attendance, ChildResponse, Delivery, QualityResult, QuarantinedRow


@dataclass(frozen=True, order=True)
class SourceQuality:
    source: str
    files: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    open_in_period: int


@dataclass(frozen=True)
class MissingSchool:
    school: str
    area: str
    source: str


@dataclass(frozen=True)
class GateSummary:
    """What the period's quality gate stored: how many checks ran and what they found."""

    checks: int
    findings: list[QualityResult]


def gate_summary(engine: Engine, coalition: str, period: str) -> GateSummary | None:
    """The stored gate result of the period, or None when the gate has not run for it."""
    with engine.connect() as conn:
        rows = conn.execute(select(QualityResult).where(QualityResult.coalition == coalition,
                                                        QualityResult.period == period)
                            .order_by(QualityResult.blocking.desc(), QualityResult.check_name,
                                      QualityResult.scope_name)).all()
    if not rows:
        return None
    return GateSummary(len({r.check_name for r in rows}), [r for r in rows if not r.passed])


def source_quality(engine: Engine, coalition: str, period: str) -> list[SourceQuality]:
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
    with engine.connect() as conn:
        open_rows = dict(conn.execute(still_open).all())
        return sorted(SourceQuality(source or "onbekend", n, int(read or 0), int(loaded or 0), int(quarantined or 0),
                                    open_rows.get(source, 0))
                      for source, n, read, loaded, quarantined in conn.execute(files))


def missing_schools(engine: Engine, config: Config, period: str) -> list[MissingSchool]:
    """Configured schools without a single current row this period in attendance or the children's survey."""
    missing = []
    with engine.connect() as conn:
        for source, model in (("aanwezigheid", Attendance), ("kindvragenlijst", ChildResponse)):
            delivered = set(conn.scalars(select(model.school).distinct().where(
                model.coalition == config.slug, model.period == period, model.superseded_by.is_(None))))
            missing += [MissingSchool(school, config.area_of_school(school), source)
                        for school in config.schools() if school not in delivered]
    return missing
