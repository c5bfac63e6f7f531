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
from kansenmonitor.dutch import format_basis, format_change, format_value
from kansenmonitor.publication import COALITION, Reading, Scope

STATUS_TEXT = {"met": "gehaald", "not_met": "niet gehaald", "no_data": "geen gegevens"}


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

    @property
    def shown(self) -> bool:
        return self.value is not None

    @property
    def change(self) -> float | None:
        """The difference with the previous period, when both figures may be shown and they differ."""
        if not (self.shown and self.previous and self.previous.shown):
            return None
        if self.text == self.previous.text:
            return 0.0
        return self.value - self.previous.value

    @property
    def trend_text(self) -> str:
        if self.change is None:
            return "eerste meting" if self.shown and self.previous is None else "geen vergelijking mogelijk"
        if self.change == 0:
            return f"gelijk gebleven ({self.previous.text})"
        word = "stijgend" if self.change > 0 else "dalend"
        return f"{word} (was {self.previous.text})"


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


@dataclass(frozen=True)
class Learning:
    crossed: list[str]
    rose: list[str]
    fell: list[str]
    first_period: bool


def scope_label(scope: Scope) -> str:
    return "hele coalitie" if scope == COALITION else scope[1]


def lower_is_better(config: Config, indicator_id: str) -> bool:
    target = config.targets.get(indicator_id)
    return bool(target and target.comparison in ("<=", "<"))


def dutch_list(items: list[str]) -> str:
    """`a`, `a en b`, `a, b en c`."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


class Readings:
    """Stored figures indexed by period, indicator and scope, turned into Figures for one period."""

    def __init__(self, readings: list[Reading], periods: list[str], min_respondents: int):
        self.periods = periods
        self.min_respondents = min_respondents
        self._index = {(r.period, r.indicator, _scope_of(r)): r for r in readings}

    def reading(self, period: str, indicator_id: str, scope: Scope) -> Reading | None:
        """The stored reading itself, for what a Figure leaves out (the euros behind a budget share)."""
        return self._index.get((period, indicator_id, scope))

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
        if reading.suppressed:
            too_few = f"te weinig respondenten (minder dan {self.min_respondents})"
            return Figure(indicator_id, label, scope, too_few, "", target, "no_data", too_few, None, previous)
        text = "geen gegevens" if reading.value is None else format_value(indicator_id, reading.value)
        return Figure(indicator_id, label, scope, text,
                      format_basis(indicator_id, reading.numerator, reading.denominator), target, reading.status,
                      STATUS_TEXT.get(reading.status, reading.status), reading.value, previous)

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


def _worse(config: Config, figure: Figure) -> bool:
    change = figure.change
    if not change:
        return False
    return change > 0 if lower_is_better(config, figure.indicator) else change < 0


def _duiden(config: Config, figures: list[Figure], previous_period: str | None) -> tuple[str, list[str]]:
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
            [f"{f.label} ({f.text}; doel {f.target})" for f in not_met]) + ".")
    else:
        status = "met"
        sentences.append("Het doel is gehaald: de indicator haalt de doelstelling." if len(judged) == 1 else
                         f"Het doel is gehaald: alle {len(judged)} indicatoren met gegevens halen de doelstelling.")
    if unknown and judged:
        sentences.append("Nog geen oordeel mogelijk over: " + dutch_list(
            [f"{f.label} ({f.text})" for f in unknown]) + ".")
    for word, chosen in (("Verslechterd", [f for f in figures if _worse(config, f)]),
                         ("Verbeterd", [f for f in figures if f.change and not _worse(config, f)])):
        if chosen:
            sentences.append(f"{word} ten opzichte van {previous_period}: " + dutch_list(
                [f"{f.label} ({f.previous.text} → {f.text})" for f in chosen]) + ".")
    return status, sentences


def _advice(config: Config, goal: Goal, status: str, figures: list[Figure]) -> list[str]:
    """The configured advice for this outcome; a worsening trend puts the `falling` advice first."""
    texts = goal.advice
    falling = bool(texts.falling) and any(_worse(config, f) for f in figures)
    chosen = [texts.falling] if falling else []
    if not (falling and status == "met"):
        chosen.append({"met": texts.met, "not_met": texts.not_met, "no_data": texts.no_data}[status])
    if status != "no_data" and any(not f.shown for f in figures):
        chosen.append(texts.no_data)
    return [text for text in chosen if text]


def goal_view(config: Config, readings: Readings, period: str, goal: Goal, main: Scope,
              details: list[Scope]) -> GoalView:
    views = [indicator_view(readings, period, i, main) for i in goal.indicators]
    figures = [v.figure for v in views]
    position = readings.periods.index(period)
    status, duiden = _duiden(config, figures, readings.periods[position - 1] if position else None)
    broken_down = [i for i in goal.indicators if any(readings.figure(period, i, s) for s in details)]
    rows = [(scope_label(s), [readings.figure(period, i, s) for i in broken_down]) for s in details]
    return GoalView(goal.title, goal.description, views, status, STATUS_TEXT[status], duiden,
                    _advice(config, goal, status, figures), [indicator(i).label for i in broken_down],
                    [r for r in rows if any(r[1])])


def learning(config: Config, readings: Readings, period: str, scopes: list[Scope]) -> Learning:
    """What changed since the previous period: targets crossed, figures that rose or fell."""
    crossed, rose, fell = [], [], []
    indicators = [i for goal in config.goals for i in goal.indicators]
    for scope in scopes:
        for indicator_id in dict.fromkeys(indicators):
            figure = readings.figure(period, indicator_id, scope)
            if figure is None or not figure.change:
                continue
            where = scope_label(scope)
            movement = f"{figure.previous.text} → {figure.text}, {format_change(indicator_id, figure.change)}"
            if figure.previous.status == "not_met" and figure.status == "met":
                crossed.append(f"{figure.label} ({where}) haalt nu de doelstelling ({movement}).")
            elif figure.previous.status == "met" and figure.status == "not_met":
                crossed.append(f"{figure.label} ({where}) haalt de doelstelling niet meer ({movement}).")
            else:
                (rose if figure.change > 0 else fell).append(f"{figure.label} ({where}): {movement}.")
    return Learning(crossed, rose, fell, readings.periods.index(period) == 0)
