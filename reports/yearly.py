"""The school year at a glance, for the yearly reports: per goal every indicator of the coalition in each
half-year side by side, and the partners' progress per wijk with the actions they reported."""

from __future__ import annotations

from dataclasses import dataclass

from kansenmonitor.config import Config
from kansenmonitor.publication import COALITION, PartnerAction
from reports.analysis import Readings


@dataclass(frozen=True)
class YearRow:
    label: str
    figures: list[str]
    target: str
    status_text: str
    status: str


@dataclass(frozen=True)
class YearGoal:
    title: str
    rows: list[YearRow]


def year_overview(config: Config, readings: Readings, periods: list[str]) -> list[YearGoal]:
    """Per goal its coalition figures in every half-year of the school year; the judgement is the last one's."""
    goals = []
    for goal in config.goals:
        rows = []
        for indicator_id in goal.indicators:
            figures = [readings.figure(p, indicator_id, COALITION, with_previous=False) for p in periods]
            last = figures[-1]
            if not any(figures) or last is None:
                continue
            rows.append(YearRow(last.label, [f.text if f else "geen gegevens" for f in figures], last.target,
                                last.status_text, last.status))
        goals.append(YearGoal(goal.title, rows))
    return goals


@dataclass(frozen=True)
class AreaProgress:
    area: str
    progress: list[str]
    actions: list[str]


def partner_progress(config: Config, readings: Readings, actions: list[PartnerAction],
                     periods: list[str]) -> list[AreaProgress]:
    """Per wijk the partners' progress score in each half-year and the actions they reported on, with their
    pillar: what the coalition did with the money, in the partners' own terms."""
    result = []
    for area in config.areas:
        scores = []
        for period in periods:
            figure = readings.figure(period, "voortgang_partners", ("area", area.name), with_previous=False)
            scores.append(figure.text if figure else "geen gegevens")
        done = dict.fromkeys(f"{a.action} ({a.pillar})" if a.pillar else a.action
                             for a in actions if a.area == area.name and a.period in periods)
        result.append(AreaProgress(area.name, scores, list(done)))
    return result

