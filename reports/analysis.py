"""The analysis behind a report: per goal its figures (Data), what they mean (Duiden), what to do (Doen),
and what changed since the previous period (Leren).

Pure functions on stored readings, so the reasoning a steering group reads can be tested without a
template: a figure resting on too few respondents is never shown or compared, and "falling" means
getting worse, which for complaints is a rising count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kansenmonitor.catalogue import indicator
from kansenmonitor.config import Config, Goal
from kansenmonitor.dutch import INDICATOR_STATUS, dutch_list, format_basis, format_change, format_value
from kansenmonitor.publication import COALITION, Reading, Scope
from reports.advice import PROTECTS, TOO_FEW, advise
from reports.uncertainty import Interval, change_is_real, has_interval, wilson

PROTECTS_TEXT = "niet getoond, ter bescherming van een ander cijfer"
MOVEMENT_WORDS = {"up": "gestegen", "down": "gedaald", "same": "gelijk gebleven",
                  "noise": "gelijk gebleven binnen de meetonzekerheid"}


@dataclass(frozen=True)
class Figure:
    """One indicator for one scope in one period, as the reader sees it."""

    indicator: str
    label: str
    scope: Scope
    text: str
    basis: str
    target: str
    status: str
    status_text: str
    value: float | None
    previous: Figure | None = None
    numerator: float | None = None
    denominator: float | None = None
    failing: tuple[str, ...] = ()
    quarantined: int = 0
    hidden: str = ""  # why a figure is not shown: TOO_FEW, or PROTECTS (it would give another hidden one away)

    @property
    def shown(self) -> bool:
        return self.value is not None

    @property
    def shown_change(self) -> float | None:
        """The change as the reader can check it: between the rounded figures, so 95% to 87% is -8."""
        change = self.change
        if change is None or not indicator(self.indicator).is_percentage:
            return change
        return (round(self.value * 100) - round(self.previous.value * 100)) / 100

    @property
    def interval(self) -> Interval | None:
        """The 95 % Wilson interval of a questionnaire share; None for counts, registers and hidden figures."""
        if not (self.shown and has_interval(self.indicator) and self.numerator is not None and self.denominator):
            return None
        return wilson(self.numerator, self.denominator)

    @property
    def interval_text(self) -> str:
        """`marge 85%–96%`: where the true share lies with 95 % certainty."""
        interval = self.interval
        if interval is None:
            return ""
        return (f"marge {format_value(self.indicator, interval.low)}–"
                f"{format_value(self.indicator, interval.high)}")

    @property
    def movement(self) -> str | None:
        """`up`, `down`, `same`, or `noise` for a questionnaire share whose change lies within the uncertainty."""
        change = self.change
        if change is None:
            return None
        if change == 0:
            return "same"
        if self.interval and self.previous.interval and not change_is_real((self.numerator, self.denominator),
                              (self.previous.numerator, self.previous.denominator)):
            return "noise"
        return "up" if change > 0 else "down"

    @property
    def change(self) -> float | None:
        """The difference with the previous period, when both figures may be shown and they differ."""
        if not (self.shown and self.previous and self.previous.shown):
            return None
        if self.text == self.previous.text:
            return 0.0
        return self.value - self.previous.value

    @property
    def failing_text(self) -> str:
        """Where a target that must hold in every place does not: `niet gehaald in Noord en Oost (geen gegevens)`."""
        return f"niet gehaald in {dutch_list(list(self.failing))}" if self.failing else ""

    @property
    def caveat(self) -> str:
        """Rows in quarantine that would enter this figure once corrected, said beside it."""
        if not self.quarantined:
            return ""
        rows = "1 rij" if self.quarantined == 1 else f"{self.quarantined} rijen"
        verb = "kan" if self.quarantined == 1 else "kunnen"
        return f"let op: {rows} in quarantaine {verb} dit cijfer na correctie nog veranderen"

    @property
    def trend_text(self) -> str:
        movement = self.movement
        if movement is None:
            return "eerste meting" if self.shown and self.previous is None else "geen vergelijking mogelijk"
        if movement == "same":
            return f"gelijk gebleven op {self.text}"
        if movement == "noise":
            return f"gelijk gebleven binnen de meetonzekerheid, van {self.previous.text} naar {self.text}"
        return f"{MOVEMENT_WORDS[movement]} van {self.previous.text} naar {self.text}"


@dataclass(frozen=True)
class IndicatorView:
    figure: Figure
    history: list[tuple[str, str]]
    points: list[tuple[str, float | None]]


@dataclass(frozen=True)
class GoalView:
    title: str
    description: str
    indicators: list[IndicatorView]
    status: str
    status_text: str
    duiden: list[str]
    advice: list[str]
    detail_labels: list[str] = field(default_factory=list)
    details: list[tuple[str, list[Figure | None]]] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)


def scope_label(scope: Scope) -> str:
    return "hele coalitie" if scope == COALITION else scope[1]


def lower_is_better(config: Config, indicator_id: str) -> bool:
    target = config.targets.get(indicator_id)
    return bool(target and target.comparison in ("<=", "<"))


class Readings:
    """Stored figures indexed by period, indicator and scope, turned into Figures for one period.

    `every_area` names the indicators whose target must hold in every place of `areas`: their coalition figure
    names the places where it does not.
    """

    def __init__(self, readings: list[Reading], periods: list[str], min_respondents: int,
                 every_area: frozenset[str] = frozenset(), areas: tuple[str, ...] = ()):
        self.periods = periods
        self.min_respondents = min_respondents
        self.every_area = every_area
        self.areas = areas
        self._index = {(r.period, r.indicator, _scope_of(r)): r for r in readings}

    def reading(self, period: str, indicator_id: str, scope: Scope) -> Reading | None:
        """The stored reading itself, for what a Figure leaves out (the euros behind a budget share)."""
        return self._index.get((period, indicator_id, scope))

    def failing_places(self, period: str, indicator_id: str) -> tuple[str, ...]:
        """The places where a target that must hold everywhere is not met, or cannot be judged."""
        if indicator_id not in self.every_area:
            return ()
        failing = []
        for area in self.areas:
            reading = self._index.get((period, indicator_id, ("area", area)))
            if reading is None or reading.status == "no_data":
                failing.append(f"{area} (geen gegevens)")
            elif reading.status != "met":
                failing.append(area)
        return tuple(failing)

    def figure(self, period: str, indicator_id: str, scope: Scope, with_previous: bool = True) -> Figure | None:
        reading = self.reading(period, indicator_id, scope)
        if reading is None:
            return None
        position = self.periods.index(period)
        previous = None
        if with_previous and position > 0:
            previous = self.figure(self.periods[position - 1], indicator_id, scope, with_previous=False)
        label = indicator(indicator_id).label
        target = reading.target or "geen doel vastgesteld"
        quarantined = reading.quarantined_rows
        if reading.suppressed:
            # A cell hidden only so that another hidden one cannot be worked out from the totals says so, without
            # saying which: "too few respondents" would be untrue, and naming the other cell would point at it.
            why = PROTECTS if reading.protective else TOO_FEW
            text = PROTECTS_TEXT if reading.protective else \
                f"te weinig respondenten (minder dan {self.min_respondents})"
            return Figure(indicator_id, label, scope, text, "", target, "no_data", text, None, previous,
                          quarantined=quarantined, hidden=why)
        text = "geen gegevens" if reading.value is None else format_value(indicator_id, reading.value)
        failing = self.failing_places(period, indicator_id) if scope == COALITION else ()
        return Figure(indicator_id, label, scope, text,
                      format_basis(indicator_id, reading.numerator, reading.denominator), target, reading.status,
                      INDICATOR_STATUS.get(reading.status, reading.status), reading.value, previous,
                      reading.numerator, reading.denominator, failing if reading.status == "not_met" else (),
                      quarantined)

    def missing(self, indicator_id: str, scope: Scope) -> Figure:
        label = indicator(indicator_id).label
        return Figure(indicator_id, label, scope, "geen gegevens", "", "—", "no_data", "geen gegevens", None)


def _scope_of(reading: Reading) -> Scope:
    return COALITION if reading.scope == "coalition" else (reading.scope, reading.scope_name)


def indicator_view(readings: Readings, period: str, indicator_id: str, scope: Scope) -> IndicatorView:
    figure = readings.figure(period, indicator_id, scope) or readings.missing(indicator_id, scope)
    upto = readings.periods[: readings.periods.index(period) + 1]
    past = [(p, readings.figure(p, indicator_id, scope, with_previous=False)) for p in upto]
    history = [(p, f.text) for p, f in past if f is not None]
    points = [(p, f.value if f else None) for p, f in past]
    return IndicatorView(figure, history, points)


def goes_worse(config: Config, figure: Figure) -> bool:
    """A change beyond the noise in the wrong direction (the scorecard marks every such change)."""
    if figure.movement not in ("up", "down"):
        return False
    return (figure.movement == "up") == lower_is_better(config, figure.indicator)


def is_worse(config: Config, figure: Figure) -> bool:
    """A material change in the wrong direction: what Duiden warns about and Doen acts on."""
    return goes_worse(config, figure) and material(config, figure)


def is_better(config: Config, figure: Figure) -> bool:
    return figure.movement in ("up", "down") and not goes_worse(config, figure) and material(config, figure)


def is_borderline(config: Config, figure: Figure) -> bool:
    """A questionnaire share whose uncertainty spans its target: met or missed cannot be told apart."""
    target = config.targets.get(figure.indicator)
    interval = figure.interval
    return bool(interval and target and target.value is not None and figure.status in ("met", "not_met")
                and interval.low < target.value < interval.high)


def _from_to(figure: Figure) -> str:
    return f"{figure.label}, van {figure.previous.text} naar {figure.text}"


def _duiden(config: Config, figures: list[Figure], previous_label: str | None) -> tuple[str, list[str]]:
    """The goal's status and the sentences that explain it."""
    judged = [f for f in figures if f.shown and f.status in ("met", "not_met")]
    not_met = [f for f in judged if f.status == "not_met"]
    unknown = [f for f in figures if f not in judged]
    sentences = []
    if not judged:
        status = "no_data"
        sentences.append("Over dit doel zijn deze periode geen bruikbare gegevens; of het doel gehaald wordt, "
                         "is daarom niet te zeggen.")
    elif not_met:
        status = "not_met"
        sentences.append("Het doel is nog niet gehaald. De doelstelling wordt niet gehaald voor: " + dutch_list(
            [f"{f.label} ({'; '.join(filter(None, [f.text, f'doel {f.target}', f.failing_text]))})"
             for f in not_met]) + ".")
    else:
        status = "met"
        sentences.append("Het doel is gehaald: de indicator haalt de doelstelling." if len(judged) == 1 else
                         f"Het doel is gehaald: alle {len(judged)} indicatoren met gegevens halen de doelstelling.")
    if unknown and judged:
        sentences.append("Nog geen oordeel mogelijk over: " + "; ".join(
            f"{f.label}: {f.text}" for f in unknown) + ".")
    borderline = [f for f in judged if is_borderline(config, f)]
    if borderline:
        sentences.append("Binnen de meetonzekerheid is niet zeker of het doel werkelijk gehaald of gemist is voor: "
                         + "; ".join(f"{f.label}: {f.text}, {f.interval_text}" for f in borderline) + ".")
    worse = [f for f in figures if is_worse(config, f)]
    if worse and previous_label:
        sentences.append(f"Verslechterd sinds het {previous_label}: " + "; ".join(_from_to(f) for f in worse) + ".")
    return status, sentences


def material(config: Config, figure: Figure) -> bool:
    """A change worth a reader's attention: a target crossed, or a change beyond the noise and the
    configured minimum (percentage points for shares, a fraction of the previous count, a step of a mean)."""
    if figure.movement not in ("up", "down"):
        return False
    if figure.status != figure.previous.status and {figure.status, figure.previous.status} == {"met", "not_met"}:
        return True
    rules = config.reporting
    kind = indicator(figure.indicator).kind
    size = abs(figure.change)
    if has_interval(figure.indicator):
        return True
    if kind in ("share", "budget"):
        return size >= rules.min_change_points
    if kind == "mean":
        return size >= rules.min_change_mean
    return size >= max(2.0, rules.min_change_fraction * abs(figure.previous.value))


def _change_sentence(figure: Figure, where: str) -> str:
    movement = f"van {figure.previous.text} naar {figure.text}, {format_change(figure.indicator, figure.shown_change)}"
    if figure.previous.status == "not_met" and figure.status == "met":
        sentence = f"{figure.label} haalt nu de doelstelling, {movement}."
    elif figure.previous.status == "met" and figure.status == "not_met":
        sentence = f"{figure.label} haalt de doelstelling niet meer, {movement}."
    else:
        sentence = f"{figure.label}: {MOVEMENT_WORDS[figure.movement]} {movement}."
    return f"{where}: {sentence}" if where else sentence


def goal_changes(config: Config, readings: Readings, period: str, indicators: list[str],
                 scopes: list[Scope]) -> list[str]:
    """Leren for one goal: the material changes since the previous period, at every scope the report covers."""
    changes = []
    for scope in scopes:
        for indicator_id in indicators:
            figure = readings.figure(period, indicator_id, scope)
            if figure is not None and figure.previous is not None and material(config, figure):
                where = "" if scopes == [COALITION] else "Hele coalitie" if scope == COALITION else scope[1]
                changes.append(_change_sentence(figure, where))
    return changes


def goal_view(config: Config, readings: Readings, period: str, goal: Goal, main: Scope, details: list[Scope],
              below: list[Scope], learn: list[Scope], previous_label: str | None = None) -> GoalView:
    """One goal for one report: its figures at `main`, broken down over `details`, advice naming the places
    of `below` behind a miss, and the changes at `learn`. Indicators the catalogue does not compute at `main`'s
    level (VOG coverage has no village figure) are left out, so nobody is asked for data that cannot exist."""
    measured = [i for i in goal.indicators if main[0] in indicator(i).scopes]
    views = [indicator_view(readings, period, i, main) for i in measured]
    figures = [v.figure for v in views]
    status, duiden = _duiden(config, figures, previous_label)
    broken_down = [i for i in measured if any(readings.figure(period, i, s) for s in details)]
    rows = [(scope_label(s), [readings.figure(period, i, s) for i in broken_down]) for s in details]
    under = {i: [readings.figure(period, i, s) for s in below] for i in measured}
    advice = advise(config, goal, status, figures, [f for f in figures if is_worse(config, f)], under) \
        if figures else []
    return GoalView(goal.title, goal.description, views, status, INDICATOR_STATUS[status], duiden, advice,
                    [indicator(i).label for i in broken_down], [r for r in rows if any(r[1])],
                    goal_changes(config, readings, period, measured, learn))
