"""What the reports read from the database: indicator values of every period so far, and children's ideas.

Indicator values come from the `indicator_report` view, which blanks every suppressed figure: a value
resting on too few respondents never reaches a template, whatever the template does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Boolean, Engine, Float, String, column, func, literal, select, table

from kansenmonitor.db import ChildResponse, ParentResponse, PartnerResponse, StaffFeedback, Supervisor

INDICATOR_REPORT = table(
    "indicator_report",
    column("coalition", String), column("period", String), column("indicator", String), column("scope", String),
    column("scope_name", String), column("value", Float), column("numerator", Float), column("denominator", Float),
    column("target", String), column("status", String), column("suppressed", Boolean),
)


@dataclass(frozen=True)
class Reading:
    """One indicator figure of one period for one coalition, area or school."""

    period: str
    indicator: str
    scope: str
    scope_name: str
    value: float | None
    numerator: float | None
    denominator: float | None
    target: str | None
    status: str
    suppressed: bool


def read_indicators(engine: Engine, coalition: str, periods: list[str]) -> list[Reading]:
    """Every stored indicator figure of the coalition in the given periods."""
    v = INDICATOR_REPORT.c
    query = select(v.period, v.indicator, v.scope, v.scope_name, v.value, v.numerator, v.denominator, v.target,
                   v.status, v.suppressed).where(v.coalition == coalition, v.period.in_(periods))
    with engine.connect() as conn:
        return [Reading(*row[:9], bool(row[9])) for row in conn.execute(query)]


@dataclass(frozen=True)
class Said:
    """One piece of free text someone delivered: who (`kinderen`, `ouders`, `medewerkers`, `partners`), where,
    what about (a partner's action, a staff member's role) and the words."""

    who: str
    kind: str
    area: str
    school: str
    about: str
    text: str


RESPONSE_SOURCES = {"kinderen": ChildResponse, "ouders": ParentResponse, "medewerkers": StaffFeedback,
                    "partners": PartnerResponse}


def response_counts(engine: Engine, coalition: str, period: str) -> dict[str, dict[str, int]]:
    """Per questionnaire the number of answers per area, for the response rates on the first page."""
    counts: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for who, model in RESPONSE_SOURCES.items():
            query = (select(model.area, func.count()).where(model.coalition == coalition, model.period == period,
                                                            model.superseded_by.is_(None)).group_by(model.area))
            counts[who] = {area: n for area, n in conn.execute(query)}
    return counts


def free_text(engine: Engine, coalition: str, period: str) -> list[Said]:
    """Everything people wrote in the period: ideas, parents' and staff remarks, partners' experiences and
    results."""
    c, p, s, r = ChildResponse, ParentResponse, StaffFeedback, PartnerResponse
    queries = [
        ("kinderen", "idee", select(c.area, c.school, literal(""), c.idea).where(c.coalition == coalition, c.period == period,
                                                                        c.superseded_by.is_(None))
         .order_by(c.school, c.response_id)),
        ("ouders", "opmerking", select(p.area, p.school, literal(""), p.remark).where(p.coalition == coalition, p.period == period,
                                                                        p.superseded_by.is_(None)).order_by(p.id)),
        ("medewerkers", "opmerking", select(s.area, literal(""), s.role, s.remark).where(
            s.coalition == coalition, s.period == period, s.superseded_by.is_(None)).order_by(s.id)),
        ("partners", "ervaringen", select(r.area, literal(""), r.action, r.experiences).where(
            r.coalition == coalition, r.period == period, r.superseded_by.is_(None)).order_by(r.id)),
        ("partners", "resultaten", select(r.area, literal(""), r.action, r.results).where(
            r.coalition == coalition, r.period == period, r.superseded_by.is_(None)).order_by(r.id)),
    ]
    said = []
    with engine.connect() as conn:
        for who, kind, query in queries:
            said += [Said(who, kind, area, school, about, text.strip()) for area, school, about, text in conn.execute(query)
                     if text and text.strip()]
    return said


def register_names(engine: Engine, coalition: str) -> list[str]:
    """The names of people in the coalition's registers: free text that mentions one is withheld."""
    v = Supervisor
    query = select(v.name).where(v.coalition == coalition, v.superseded_by.is_(None)).distinct()
    with engine.connect() as conn:
        return [name for (name,) in conn.execute(query) if name]
