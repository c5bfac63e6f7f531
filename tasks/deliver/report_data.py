"""What a period's reports are made of, read from the database in one place: indicator values of every period
so far, what each source delivered, who delivered nothing, the quality gate's findings, the answers per
questionnaire and what people wrote.

Indicator values come from the `indicator_report` view, which blanks every suppressed figure: a value resting on
too few respondents never reaches a template, whatever the template does.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Connection, Engine, Float, Integer, String, column, func, literal, select, table, union

from kansenmonitor.config import Config
from kansenmonitor.db import (
    FACT_TABLES,
    ChildResponse,
    Delivery,
    Interpretation,
    ParentResponse,
    PartnerResponse,
    QualityResult,
    QuarantinedRow,
    StaffFeedback,
    Supervisor,
)
from kansenmonitor.periods import Period, programme_periods
from kansenmonitor.publication import (
    Finding,
    GateSummary,
    GoalInterpretation,
    MissingSchool,
    PartnerAction,
    PeriodPublication,
    Reading,
    Said,
    SourceQuality,
)

INDICATOR_REPORT = table(
    "indicator_report",
    column("coalition", String), column("period", String), column("indicator", String), column("scope", String),
    column("scope_name", String), column("value", Float), column("numerator", Float), column("denominator", Float),
    column("target", String), column("status", String), column("suppressed", Boolean),
    column("quarantined_rows", Integer), column("protective", Boolean),
)


def periods_so_far(config: Config, period: Period) -> list[str]:
    """The programme's periods up to and including `period`: the course a report shows."""
    names = [p.name for p in programme_periods(config) if p.start <= period.start]
    return names if period.name in names else [period.name]


def read_publication(engine: Engine, config: Config, period: Period) -> PeriodPublication:
    """Everything the reports of `period` show, in one connection."""
    periods = periods_so_far(config, period)
    with engine.connect() as conn:
        return PeriodPublication(
            readings=_readings(conn, config.slug, periods), periods=periods,
            sources=_source_quality(conn, config.slug, period.name),
            missing=_missing_schools(conn, config, period.name),
            gate=_gate_summary(conn, config.slug, period.name),
            responses=_response_counts(conn, config.slug, period.name),
            said=_free_text(conn, config.slug, period.name),
            register_names=_register_names(conn, config.slug),
            interpretations=_interpretations(conn, config.slug, periods),
            actions=_actions(conn, config.slug, periods))


def _readings(conn: Connection, coalition: str, periods: list[str]) -> list[Reading]:
    v = INDICATOR_REPORT.c
    query = select(v.period, v.indicator, v.scope, v.scope_name, v.value, v.numerator, v.denominator, v.target,
                   v.status, v.suppressed, v.quarantined_rows, v.protective).where(v.coalition == coalition,
                                                                                   v.period.in_(periods))
    return [Reading(*row[:9], bool(row[9]), row[10] or 0, bool(row[11])) for row in conn.execute(query)]


RESPONSE_SOURCES = {"kinderen": ChildResponse, "ouders": ParentResponse, "medewerkers": StaffFeedback,
                    "partners": PartnerResponse}


def _response_counts(conn: Connection, coalition: str, period: str) -> dict[str, dict[str, int]]:
    """Per questionnaire the number of answers per area, for the response rates on the first page."""
    counts = {}
    for who, model in RESPONSE_SOURCES.items():
        query = (select(model.area, func.count()).where(model.coalition == coalition, model.period == period,
                                                        model.superseded_by.is_(None)).group_by(model.area))
        counts[who] = dict(conn.execute(query).all())
    return counts


def _free_text(conn: Connection, coalition: str, period: str) -> list[Said]:
    """Everything people wrote in the period: ideas, parents' and staff remarks, partners' experiences and
    results."""
    c, p, s, r = ChildResponse, ParentResponse, StaffFeedback, PartnerResponse
    current = {m: (m.coalition == coalition, m.period == period, m.superseded_by.is_(None)) for m in (c, p, s, r)}
    queries = [
        ("kinderen", "idee", select(c.area, c.school, literal(""), c.idea).where(*current[c])
         .order_by(c.school, c.response_id)),
        ("ouders", "opmerking", select(p.area, p.school, literal(""), p.remark).where(*current[p]).order_by(p.id)),
        ("medewerkers", "opmerking", select(s.area, literal(""), s.role, s.remark).where(*current[s])
         .order_by(s.id)),
        ("partners", "ervaringen", select(r.area, literal(""), r.action, r.experiences).where(*current[r])
         .order_by(r.id)),
        ("partners", "resultaten", select(r.area, literal(""), r.action, r.results).where(*current[r])
         .order_by(r.id)),
    ]
    said = []
    for who, kind, query in queries:
        said += [Said(who, kind, area, school, about, text.strip()) for area, school, about, text in conn.execute(query)
                 if text and text.strip()]
    return said


def _register_names(conn: Connection, coalition: str) -> list[str]:
    """The names of people in the coalition's registers: free text that mentions one is withheld."""
    query = select(Supervisor.name).where(Supervisor.coalition == coalition,
                                          Supervisor.superseded_by.is_(None)).distinct()
    return [name for (name,) in conn.execute(query) if name]


def _interpretations(conn: Connection, coalition: str, periods: list[str]) -> list[GoalInterpretation]:
    """The current interpretation per period and goal, as the lokale coalitie last delivered or recorded it."""
    i = Interpretation
    query = select(i.period, i.goal, i.text, i.interpreted_by, i.approved_by).where(
        i.coalition == coalition, i.period.in_(periods), i.superseded_by.is_(None)).order_by(i.period, i.id)
    return [GoalInterpretation(*row) for row in conn.execute(query)]


def _actions(conn: Connection, coalition: str, periods: list[str]) -> list[PartnerAction]:
    """The actions partners reported on per period and wijk, with the pillar they serve."""
    r = PartnerResponse
    query = select(r.period, r.area, r.action, r.pillar).distinct().where(
        r.coalition == coalition, r.period.in_(periods), r.superseded_by.is_(None))
    return sorted((PartnerAction(*row) for row in conn.execute(query)),
                  key=lambda a: (a.period, a.area, a.action, a.pillar or ""))


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
