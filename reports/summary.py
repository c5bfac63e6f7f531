"""The first page of a report: three to five key messages chosen from the figures, the decision the plan
asks at this measurement moment, the response per questionnaire against the participants, and the data
caveats a reader must know before trusting a figure."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from kansenmonitor.config import Config
from kansenmonitor.dutch import dutch_list, plural
from kansenmonitor.publication import MissingSchool, SourceQuality
from reports.advice import PROTECTS, TOO_FEW
from reports.analysis import (
    COALITION,
    Figure,
    GoalView,
    Readings,
    Scope,
    is_better,
    is_worse,
    lower_is_better,
    scope_label,
)

RESPONDENTS = {"kinderen": ("kind", "kinderen", "de kindervragenlijst"),
               "ouders": ("ouder", "ouders", "de oudervragenlijst"),
               "medewerkers": ("ingevuld formulier", "ingevulde formulieren",
                                "het feedbackformulier van begeleiders en leerkrachten"),
               "partners": ("partner", "partners", "de partnervragenlijst")}


@dataclass(frozen=True)
class Summary:
    messages: list[str]
    decisions: list[str]
    responses: list[str]
    caveats: list[str]


def _shortfall(config: Config, figure: Figure) -> float:
    """How far a missed figure is from its target, relative to the target, so shares and counts compare."""
    target = config.targets.get(figure.indicator)
    if target is None or target.value is None:
        previous = figure.previous.value if figure.previous and figure.previous.shown else None
        return ((previous - figure.value) / previous) if previous else 0.0
    gap = figure.value - target.value if lower_is_better(config, figure.indicator) else target.value - figure.value
    return gap / (abs(target.value) or 1.0)


def _relative_change(figure: Figure) -> float:
    before = abs(figure.previous.value) or 1.0
    return abs(figure.change) / before


def key_messages(config: Config, readings: Readings, period: str, goals: list[GoalView], below: list[Scope],
                 previous_label: str | None) -> list[str]:
    """Three to five sentences: the goals met, the largest miss, the places behind, the largest improvement
    and what got materially worse."""
    messages = []
    judged = [g for g in goals if g.status != "no_data"]
    met = sum(g.status == "met" for g in judged)
    first = f"{met} van de {len(judged)} doelen met gegevens {'is' if met == 1 else 'zijn'} gehaald" if judged else \
        "Over geen van de doelen zijn bruikbare gegevens"
    unknown = len(goals) - len(judged)
    if unknown and judged:
        first += f"; over {plural(unknown, 'doel', 'doelen')} is nog geen oordeel mogelijk"
    messages.append(first + ".")
    figures = [v.figure for g in goals for v in g.indicators]
    missed = [f for f in figures if f.shown and f.status == "not_met"]
    if missed:
        worst = max(missed, key=lambda f: _shortfall(config, f))
        messages.append(f"Het grootste tekort: {worst.label}, {worst.text} tegen een doel van {worst.target}.")
    behind = Counter()
    examples: dict[str, list[str]] = {}
    for scope in below:
        for figure in (readings.figure(period, f.indicator, scope) for f in figures):
            if figure is not None and figure.shown and figure.status == "not_met":
                behind[scope] += 1
                examples.setdefault(scope, []).append(f"{figure.label}: {figure.text}")
    if behind:
        places = [s for s, _ in behind.most_common(config.reporting.max_places_named)]
        messages.append("Het verst achter: " + "; ".join(
            f"{scope_label(s)} haalt op {plural(behind[s], 'indicator', 'indicatoren')} het doel niet, "
            f"onder meer {examples[s][0]}" for s in places) + ".")
    if previous_label:
        better = [f for f in figures if f.previous and is_better(config, f)]
        if better:
            best = max(better, key=_relative_change)
            messages.append(f"De grootste verbetering sinds het {previous_label}: {best.label}, van "
                            f"{best.previous.text} naar {best.text}.")
        worse = [f for f in figures if f.previous and is_worse(config, f)]
        if worse:
            messages.append("Achteruitgegaan: " + dutch_list(
                [f"{f.label}, van {f.previous.text} naar {f.text}" for f in worse]) + ".")
    return messages[:config.reporting.key_messages]


def decisions(config: Config, period: str, audience: str) -> list[str]:
    return [d.text for d in config.reporting.decisions if d.period == period and audience in d.audiences]


def responses(counts: dict[str, dict[str, int]], participants: Figure | None, area: str | None) -> list[str]:
    """Per questionnaire how many answered, against the children who took part where that is known."""
    lines = []
    base = participants.value if participants is not None and participants.shown else None
    for who, per_area in counts.items():
        n = per_area.get(area, 0) if area else sum(per_area.values())
        if not n and not (base and who in ("kinderen", "ouders")):
            continue
        singular, plural_form, form = RESPONDENTS[who]
        line = f"{form.capitalize()}: {plural(n, singular, plural_form)}"
        if base and who in ("kinderen", "ouders"):
            share = round(100 * n / base)
            line += f" op {int(base)} deelnemende kinderen, {share}%"
        lines.append(line + ".")
    return lines


def caveats(goals: list[GoalView], sources: list[SourceQuality], missing: list[MissingSchool], gate,
            min_respondents: int) -> list[str]:
    """What a reader must know before trusting the figures."""
    notes = []
    hidden = [v.figure.label for g in goals for v in g.indicators if v.figure.hidden == TOO_FEW]
    if hidden:
        notes.append(f"Niet getoond wegens minder dan {min_respondents} antwoorden: {dutch_list(hidden)}.")
    protecting = [v.figure.label for g in goals for v in g.indicators if v.figure.hidden == PROTECTS]
    if protecting:
        notes.append("Niet getoond ter bescherming van een ander cijfer, dat anders uit de totalen terug te rekenen "
                     f"zou zijn: {dutch_list(protecting)}.")
    if missing:
        schools = list(dict.fromkeys(m.school for m in missing))
        notes.append(f"{plural(len(schools), 'school leverde', 'scholen leverden')} niet alles aan: "
                     f"{dutch_list(schools)}. Hun cijfers ontbreken in de uitkomsten; zie de bijlage.")
    still_open = sum(s.open_in_period for s in sources)
    if still_open:
        notes.append(f"{plural(still_open, 'rij staat', 'rijen staan')} nog in quarantaine en "
                     f"{'telt' if still_open == 1 else 'tellen'} niet mee tot ze verbeterd zijn aangeleverd.")
    blocking = [f for f in (gate["findings"] if gate else []) if f.blocking]
    if blocking:
        found = plural(len(blocking), "blokkerende bevinding", "blokkerende bevindingen")
        notes.append(f"De kwaliteitscontrole vond {found}; zie de bijlage.")
    return notes


def build_summary(config: Config, readings: Readings, period: str, audience: str, goals: list[GoalView],
                  main: Scope, below: list[Scope], previous_label: str | None, counts: dict, sources: list,
                  missing: list, gate) -> Summary:
    participants = readings.figure(period, "deelnemers", main)
    area = None if main == COALITION else main[1]
    return Summary(key_messages(config, readings, period, goals, below, previous_label),
                   decisions(config, period, audience), responses(counts, participants, area),
                   caveats(goals, sources, missing, gate, config.min_respondents))
