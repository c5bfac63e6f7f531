"""The scorecard: every indicator against every place (or school) of a report, each cell its figure, its
status and its direction in words, so colour is never the only carrier."""

from __future__ import annotations

from dataclasses import dataclass

from kansenmonitor.config import Config
from reports.advice import PROTECTS
from reports.analysis import COALITION, Figure, Readings, Scope, goes_worse, scope_label

ARROWS = {"up": "↑ gestegen", "down": "↓ gedaald", "same": "= gelijk", "noise": "≈ gelijk binnen de marge"}


@dataclass(frozen=True)
class Cell:
    text: str
    status: str
    status_text: str
    direction: str
    worse: bool


@dataclass(frozen=True)
class Scorecard:
    title: str
    columns: list[str]
    rows: list[tuple[str, list[Cell | None]]]


def _cell(config: Config, figure: Figure | None) -> Cell | None:
    if figure is None:
        return None
    movement = figure.movement
    direction = ARROWS.get(movement, "eerste meting" if figure.previous is None and figure.shown else "")
    # a figure hidden to protect another already says "niet getoond" in its text
    status_text = figure.status_text if figure.shown else "" if figure.hidden == PROTECTS else "niet getoond"
    return Cell(figure.text, figure.status, status_text, direction, goes_worse(config, figure))


def scorecard(config: Config, readings: Readings, period: str, title: str, scopes: list[Scope]) -> Scorecard:
    """Indicators of every goal as rows, `scopes` as columns; an indicator no scope has is left out."""
    indicators = dict.fromkeys(i for goal in config.goals for i in goal.indicators)
    rows = []
    for indicator_id in indicators:
        figures = [readings.figure(period, indicator_id, scope) for scope in scopes]
        if any(figures):
            label = next(f.label for f in figures if f)
            rows.append((label, [_cell(config, f) for f in figures]))
    columns = ["Hele coalitie" if s == COALITION else scope_label(s) for s in scopes]
    return Scorecard(title, columns, rows)
