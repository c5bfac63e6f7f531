"""What the NPO plan asks per wijk beyond a percentage: the euros per bestedingspunt against the wijk's budget
(spent, and still to spend), and the chosen pillars no action served in the half-year, by name."""

from __future__ import annotations

from dataclasses import dataclass

from kansenmonitor.config import Config
from kansenmonitor.dutch import dutch_list, number
from kansenmonitor.publication import PartnerAction, Scope
from reports.analysis import PROTECTS_TEXT, Readings

HIDDEN = "niet getoond"


def whole_euros(amount: float) -> str:
    """`12.345`: the tables say once that their amounts are euros, so narrow columns stay readable."""
    return number(amount, 0)


@dataclass(frozen=True)
class Table:
    caption: str
    columns: list[str]
    rows: list[tuple[str, list[str]]]
    notes: list[str]


def _euros(readings: Readings, period: str, indicator_id: str, scope: Scope, empty: str) -> tuple[str, float | None]:
    """A spending cell as text and its euros (None when hidden or unknown)."""
    reading = readings.reading(period, indicator_id, scope)
    if reading is None:
        return empty, None
    if reading.suppressed:
        return PROTECTS_TEXT if reading.protective else HIDDEN, None
    return whole_euros(reading.numerator or 0), reading.numerator or 0.0


def spending_table(config: Config, readings: Readings, period: str, period_label: str,
                   scopes: list[Scope]) -> Table | None:
    """Per wijk (and for the whole coalition) the euros spent per bestedingspunt since the start, the total
    against the budget and what is left to spend."""
    rows = []
    for scope in scopes:
        total = readings.reading(period, "besteding", scope)
        if total is None:
            continue
        points = [_euros(readings, period, f"besteding_punt_{n}", scope, whole_euros(0))[0]
                  for n in config.spending_points]
        spent, spent_euros = _euros(readings, period, "besteding", scope, "geen gegevens")
        budget = total.denominator
        left = whole_euros(budget - spent_euros) if budget is not None and spent_euros is not None else HIDDEN
        rows.append(("Hele coalitie" if scope[0] == "coalition" else scope[1],
                     [*points, spent, whole_euros(budget) if budget is not None else HIDDEN, left]))
    if not rows:
        return None
    columns = [*(f"Punt {n}" for n in config.spending_points), "Besteed", "Budget", "Nog te besteden"]
    notes = [f"Punt {n}: {name}." for n, name in config.spending_points.items()]
    return Table(f"Besteding per {config.programme.area_label} en bestedingspunt, van de start tot en met het "
                 f"{period_label} (bedragen in euro's)", columns, rows, notes)


def half_year_spending(config: Config, readings: Readings, periods: list[str], labels: dict[str, str],
                       scopes: list[Scope]) -> Table | None:
    """Per wijk the euros spent up to the end of each half-year of the school year, and in the last half-year
    (the difference of two published running totals, so it reveals nothing they do not)."""
    rows = []
    for scope in scopes:
        found = [_euros(readings, p, "besteding", scope, "geen gegevens") for p in periods]
        cells = [text for text, _ in found]
        if len(found) > 1:
            (_, before), (_, now) = found[-2:]
            cells.append(whole_euros(now - before) if now is not None and before is not None else HIDDEN)
        rows.append(("Hele coalitie" if scope[0] == "coalition" else scope[1], cells))
    columns = [f"Besteed tot en met {labels[p]}" for p in periods]
    if len(periods) > 1:
        columns.append(f"Besteed in het {labels[periods[-1]]}")
    if not any(c not in (HIDDEN, "geen gegevens") for _, cells in rows for c in cells):
        return None
    return Table("Besteding in dit schooljaar, per halfjaar (bedragen in euro's)", columns, rows, [])


def missing_pillars(config: Config, actions: list[PartnerAction], period: str, areas: list[str]) -> list[str]:
    """Per wijk the chosen pillars no action served in the period: `Coevorden: Cultuur en Taalvaardigheid`."""
    lines = []
    for area in config.areas:
        if area.name not in areas or not area.pillars:
            continue
        reported = [a for a in actions if a.period == period and a.area == area.name]
        served = {a.pillar for a in reported}
        missing = [p for p in area.pillars if p not in served]
        if not reported:
            lines.append(f"{area.name}: geen acties gemeld")
        elif missing:
            lines.append(f"{area.name}: {dutch_list(missing)}")
    return lines
