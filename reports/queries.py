"""What the reports read from the database: indicator values of every period so far, and children's ideas.

Indicator values come from the `indicator_report` view, which blanks every suppressed figure: a value
resting on too few respondents never reaches a template, whatever the template does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Boolean, Engine, Float, Integer, String, column, select, table

from kansenmonitor.db import ChildResponse

INDICATOR_REPORT = table(
    "indicator_report",
    column("coalition", String), column("period", String), column("indicator", String), column("scope", String),
    column("scope_name", String), column("value", Float), column("numerator", Float), column("denominator", Float),
    column("target", String), column("status", String), column("suppressed", Boolean),
    column("quarantined_rows", Integer),
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
    quarantined_rows: int = 0


def read_indicators(engine: Engine, coalition: str, periods: list[str]) -> list[Reading]:
    """Every stored indicator figure of the coalition in the given periods."""
    v = INDICATOR_REPORT.c
    query = select(v.period, v.indicator, v.scope, v.scope_name, v.value, v.numerator, v.denominator, v.target,
                   v.status, v.suppressed, v.quarantined_rows).where(v.coalition == coalition, v.period.in_(periods))
    with engine.connect() as conn:
        return [Reading(*row[:9], bool(row[9]), row[10] or 0) for row in conn.execute(query)]


def sample_ideas(engine: Engine, coalition: str, period: str, per_school: int = 3) -> list[tuple[str, str]]:
    """A few of the children's ideas per school, as (school, idea), for the Lokale Coalitie to read."""
    c = ChildResponse
    query = (select(c.school, c.idea)
             .where(c.coalition == coalition, c.period == period, c.superseded_by.is_(None), c.idea.is_not(None))
             .order_by(c.school, c.response_id))
    taken: dict[str, int] = {}
    sample = []
    with engine.connect() as conn:
        for school, idea in conn.execute(query):
            if idea.strip() and taken.get(school, 0) < per_school:
                taken[school] = taken.get(school, 0) + 1
                sample.append((school, idea.strip()))
    return sample
