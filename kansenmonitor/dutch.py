"""Figures, dates and periods as a Dutch reader writes them: the one formatter every page, mail, CSV note and
artifact uses. Thousands with a dot, decimals with a comma, shares as percentages."""

from __future__ import annotations

import datetime as dt

from kansenmonitor.catalogue import indicator

MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]
COMPARISONS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}


def number(value: float, decimals: int = 0) -> str:
    """`1234.5` -> `1.234,5` with `decimals` decimals."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def plain_number(value: float) -> str:
    """A number with as many decimals as it has (at most three): `3.5` -> `3,5`, `10.0` -> `10`."""
    decimals = next((d for d in range(4) if round(value, d) == round(value, 3)), 3)
    return number(value, decimals)


def euros(value: float) -> str:
    """`€ 12.345`."""
    return f"€ {number(value, 0)}"


def date(day: dt.date) -> str:
    """`31 juli 2025`."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def format_value(indicator_id: str, value: float | None) -> str:
    """The figure as a Dutch reader writes it: `92%`, `4,2`, `1.234`; a dash when there is none."""
    if value is None:
        return "—"
    kind = indicator(indicator_id).kind
    if kind in ("share", "budget"):
        return f"{number(value * 100, 0)}%"
    if kind == "mean":
        return number(value, 1)
    return number(value, 0 if float(value).is_integer() else 1)


def format_target_value(indicator_id: str, value: float) -> str:
    """A target's figure: like the figure beside it, but never rounded away (`3,5`, `92,5%`)."""
    if indicator(indicator_id).is_percentage:
        return f"{plain_number(round(value * 100, 1))}%"
    return plain_number(value)


def format_target(indicator_id: str, value: float, comparison: str = "") -> str:
    """A target with its comparison as a reader writes it: `≥ 90%`, `≥ 3,5`, `≤ 0`."""
    return f"{COMPARISONS.get(comparison, comparison)} {format_target_value(indicator_id, value)}".strip()


def format_change(indicator_id: str, change: float) -> str:
    """A difference between two periods: percentage points for shares, the unit itself otherwise."""
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    if indicator(indicator_id).is_percentage:
        return f"{sign}{number(abs(change) * 100, 0)} procentpunt"
    return f"{sign}{format_value(indicator_id, abs(change))}"


def format_basis(indicator_id: str, numerator: float | None, denominator: float | None) -> str:
    """What the figure rests on, e.g. `46 van 50` or `€ 12.345 van € 39.604`; empty when unknown."""
    kind = indicator(indicator_id).kind
    if kind == "share" and numerator is not None and denominator is not None:
        return f"{number(numerator, 0)} van {number(denominator, 0)}"
    if kind == "budget" and numerator is not None and denominator is not None:
        return f"{euros(numerator)} van {euros(denominator)}"
    if kind == "mean" and denominator is not None:
        return f"{number(denominator, 0)} antwoorden"
    return ""
