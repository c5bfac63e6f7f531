"""What a period publishes and who receives it: the records the delivery tasks read from the database and the
reports turn into pages, and the list of reports a coalition's configuration asks for.

Plain data in the foundation, so that `tasks/` (which reads it) and `reports/` (which shows it) never import
each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kansenmonitor.config import YEARLY_AUDIENCES, Config, slug
from kansenmonitor.periods import parse_period, periods_of_school_year

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
    quarantined_rows: int = 0
    protective: bool = False  # hidden only so that another hidden figure cannot be worked out


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
class Said:
    """One piece of free text someone delivered: who (`kinderen`, `ouders`, `medewerkers`, `partners`), what
    kind (`idee`, `opmerking`, `ervaringen`, `resultaten`), where, what about (a partner's action, a staff
    member's role) and the words."""

    who: str
    kind: str
    area: str
    school: str
    about: str
    text: str


@dataclass(frozen=True)
class GoalInterpretation:
    """The lokale coalitie's own reading of a goal in a period, who wrote it and who approved it (None: not yet)."""

    period: str
    goal: str
    text: str
    interpreted_by: str
    approved_by: str | None


@dataclass(frozen=True)
class PartnerAction:
    """An action a partner reported on in a period, with the wijk and the pillar it serves (None: not named)."""

    period: str
    area: str
    action: str
    pillar: str | None


@dataclass(frozen=True)
class PeriodPublication:
    """Everything a period's reports are made of, read from the database in one place: per questionnaire the
    answers per area, what people wrote, and the names in the registers that free text must not show; the lokale
    coalitie's interpretations and the partners' actions of every period so far."""

    readings: list[Reading]
    periods: list[str]
    sources: list[SourceQuality]
    missing: list[MissingSchool]
    gate: GateSummary | None
    responses: dict[str, dict[str, int]]
    said: list[Said]
    register_names: list[str]
    interpretations: list[GoalInterpretation] = field(default_factory=list)
    actions: list[PartnerAction] = field(default_factory=list)


@dataclass(frozen=True)
class Coverage:
    """What one report covers: its headline scope, the rows it breaks down into, where it looks for change, the
    places whose misses its advice names (`below`) and its scorecards as (title, columns)."""

    audience: str
    area: str | None
    main: Scope
    details: list[Scope]
    learn: list[Scope]
    schools: list[str]
    below: list[Scope]
    scorecards: list[tuple[str, list[Scope]]]

    @property
    def name(self) -> str:
        return report_name(self.audience, self.area)


def report_name(audience: str, area: str | None) -> str:
    """The report's file name without extension: `stuurgroep`, `kernteam-2e-exloermond`."""
    return audience if area is None else f"{audience}-{slug(area)}"


def yearly_due(config: Config, audience: str, period: str) -> bool:
    """Whether the close of `period` builds the yearly report `audience`: configured in `reporting.yearly`, and
    `period` one of its `periods` (by default the last half-year of a school year)."""
    for yearly in config.reporting.yearly:
        if yearly.audience == audience:
            if yearly.periods:
                return period in yearly.periods
            first_year = int(parse_period(period, config).name[:4])
            return periods_of_school_year(first_year, config)[-1].name == period
    return False


def coverages(config: Config, audiences: list[str], period: str) -> list[Coverage]:
    """The reports a close of this coalition's `period` builds for the given audiences, in order."""
    areas = [("area", a.name) for a in config.areas]
    schools = config.schools()
    school_scopes = [("school", s) for s in schools]
    everything = areas + school_scopes
    per_area = (f"per {config.programme.area_label}", [COALITION, *areas])
    result = []
    if "stuurgroep" in audiences:
        result.append(Coverage("stuurgroep", None, COALITION, [], [COALITION], schools, areas, [per_area]))
    if "lokale_coalitie" in audiences:
        result.append(Coverage("lokale_coalitie", None, COALITION, everything, [COALITION, *everything], schools,
                               everything, [per_area, *([("per school", school_scopes)] if schools else [])]))
    for yearly in YEARLY_AUDIENCES:
        if yearly in audiences and yearly_due(config, yearly, period):
            result.append(Coverage(yearly, None, COALITION, areas, [COALITION, *areas], schools, areas, [per_area]))
    if "kernteam" in audiences:
        for area in config.areas:
            own = [("school", s.name) for s in area.schools]
            main = ("area", area.name)
            result.append(Coverage("kernteam", area.name, main, own, [main, *own], [s.name for s in area.schools],
                                   own, [(f"van {area.name}{' en de scholen' if own else ''}", [main, *own])]))
    return result
