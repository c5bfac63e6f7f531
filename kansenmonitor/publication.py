"""What a period publishes and who receives it: the records the delivery tasks read from the database and the
reports turn into pages, and the list of reports a coalition's configuration asks for.

Plain data in the foundation, so that `tasks/` (which reads it) and `reports/` (which shows it) never import
each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kansenmonitor.config import Config, normalise_name

Scope = tuple[str, str]
COALITION: Scope = ("coalition", "")


@dataclass(frozen=True)
class Reading:
    """One indicator figure of one period for one coalition, area or school, as stored after the close."""

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


@dataclass(frozen=True, order=True)
class SourceQuality:
    """Per source, the files that hold rows of the period: their reconciliation and the open quarantine."""

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
class Finding:
    """A failed check of the period's quality gate."""

    check_name: str
    scope_name: str
    detail: str
    blocking: bool


@dataclass(frozen=True)
class GateSummary:
    """What the period's quality gate stored: how many checks ran and what they found."""

    checks: int
    findings: list[Finding]


@dataclass(frozen=True)
class PeriodPublication:
    """Everything a period's reports are made of, read from the database in one place."""

    readings: list[Reading]
    periods: list[str]
    sources: list[SourceQuality]
    missing: list[MissingSchool]
    gate: GateSummary | None
    ideas: list[tuple[str, str]]


@dataclass(frozen=True)
class Coverage:
    """What one report covers: its headline scope, the rows it breaks down into, and where it looks for change."""

    audience: str
    area: str | None
    main: Scope
    details: list[Scope]
    learn: list[Scope]
    schools: list[str]

    @property
    def name(self) -> str:
        return report_name(self.audience, self.area)


def slug(name: str) -> str:
    """A name as a file name or key: `2e Exloërmond` -> `2e-exloermond`."""
    return re.sub(r"[^a-z0-9]+", "-", normalise_name(name)).strip("-")


def report_name(audience: str, area: str | None) -> str:
    """The report's file name without extension: `stuurgroep`, `kernteam-2e-exloermond`."""
    return audience if area is None else f"{audience}-{slug(area)}"


def coverages(config: Config, audiences: list[str]) -> list[Coverage]:
    """The reports a close of this coalition builds for the given audiences, in order."""
    areas = [("area", a.name) for a in config.areas]
    schools = config.schools()
    everything = areas + [("school", s) for s in schools]
    result = []
    if "stuurgroep" in audiences:
        result.append(Coverage("stuurgroep", None, COALITION, [], [COALITION], schools))
    if "lokale_coalitie" in audiences:
        result.append(Coverage("lokale_coalitie", None, COALITION, everything, [COALITION, *everything], schools))
    if "kernteam" in audiences:
        for area in config.areas:
            own = [("school", s.name) for s in area.schools]
            result.append(Coverage("kernteam", area.name, ("area", area.name), own, [("area", area.name), *own],
                                   [s.name for s in area.schools]))
    return result
