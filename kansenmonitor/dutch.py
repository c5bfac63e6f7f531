"""Figures, dates and periods as a Dutch reader writes them: the one formatter every page, mail, CSV note and
artifact uses. Thousands with a dot, decimals with a comma, shares as percentages."""

from __future__ import annotations

import datetime as dt

from kansenmonitor.catalogue import indicator
from kansenmonitor.config import Config
from kansenmonitor.periods import Period, programme_periods

MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]
SHORT_MONTHS = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
COMPARISONS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}
ORDINALS = ["eerste", "tweede", "derde", "vierde", "vijfde", "zesde", "zevende", "achtste", "negende", "tiende",
            "elfde", "twaalfde"]
COMPARISON_WORDS = {">=": "minimaal", "<=": "hoogstens", ">": "meer dan", "<": "minder dan", "==": "precies"}
# What a count counts, singular and plural, so a target reads "minimaal 2 activiteiten" or "geen klachten".
COUNT_NOUNS = {
    "klachten_interactie": ("klacht", "klachten"),
    "aanbod_onderbouw": ("activiteit", "activiteiten"),
    "extra_aanbod": ("extra activiteit", "extra activiteiten"),
    "ideeen": ("idee", "ideeën"),
    "ontwikkelgebieden": ("ontwikkelgebied", "ontwikkelgebieden"),
    "deelnemers": ("kind", "kinderen"),
}


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
    if kind in ("share", "coverage") and numerator is not None and denominator is not None:
        return f"{number(numerator, 0)} van {number(denominator, 0)}"
    if kind == "budget" and numerator is not None and denominator is not None:
        return f"{euros(numerator)} van {euros(denominator)}"
    if kind == "mean" and denominator is not None:
        return f"{number(denominator, 0)} antwoorden"
    return ""


def plural(count: int, singular: str, plural_form: str) -> str:
    """`1 bevinding`, `2 bevindingen`, `0 bevindingen`."""
    return f"{count} {singular if count == 1 else plural_form}"


def dutch_list(items: list[str]) -> str:
    """`a`, `a en b`, `a, b en c`."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


def threshold_words(indicator_id: str, comparison: str, value: float) -> str:
    """A target as a policy reader writes it: `minimaal 90%`, `alle`, `geen klachten`, `minimaal 1 idee`."""
    kind = indicator(indicator_id).kind
    nouns = COUNT_NOUNS.get(indicator_id)
    if kind in ("share", "budget") and comparison in (">=", "==") and value >= 1:
        return "alle"
    if comparison in ("<=", "==") and value == 0:
        return f"geen {nouns[1]}" if nouns else "geen"
    if kind == "count" and comparison == ">" and float(value).is_integer():
        comparison, value = ">=", value + 1
    words = f"{COMPARISON_WORDS[comparison]} {format_target_value(indicator_id, value)}"
    if nouns:
        words += " " + (nouns[0] if value == 1 else nouns[1])
    return words


def points(share: float) -> str:
    """A margin between shares: `15 procentpunt`."""
    return f"{plain_number(round(share * 100, 1))} procentpunt"


def months_of(period: Period, short: bool = False) -> str:
    """`januari–juli 2025`, or `augustus 2024–juli 2025` across a year's end; `short`: `jan–jul 2025`."""
    names = SHORT_MONTHS if short else MONTHS
    first, last = names[period.start.month - 1], names[period.end.month - 1]
    if period.start.year == period.end.year:
        return f"{first}–{last} {period.end.year}"
    return f"{first} {period.start.year}–{last} {period.end.year}"


def axis_period(period: Period) -> str:
    """A period under a chart's axis: the tables' wording with short month names, the year on a line of its own
    so that many periods still fit side by side: `aug–dec` over `2024`, `aug 2024–` over `jul 2025`."""
    text = months_of(period, short=True)
    return text.replace("–", "–\n") if period.start.year != period.end.year else text.replace(" ", "\n")


def period_label(config: Config, period: Period) -> str:
    """The period as the plan names it: `tweede meetmoment (januari–juli 2025)`, counted from the programme's
    start; for a programme of several school years `tweede halfjaar 2024-2025 (januari–juli 2025)`."""
    names = [p.name for p in programme_periods(config)]
    position = names.index(period.name) if period.name in names else None
    if position is not None and len(names) <= len(config.periods) and position < len(ORDINALS):
        return f"{ORDINALS[position]} meetmoment ({months_of(period)})"
    school_year, half = period.name.rsplit("-", 1)
    halves = [b.name for b in config.periods]
    if half in halves and len(halves) == 2:
        return f"{ORDINALS[halves.index(half)]} halfjaar {school_year} ({months_of(period)})"
    return f"meetmoment {months_of(period)}"


# The one Dutch word for each status, wherever a person reads it: the CLI, the log, pages and artifacts.
DELIVERY_STATUS = {"loaded": "geladen", "duplicate": "al eerder aangeleverd", "rejected": "geweigerd",
                   "failed": "laden mislukt", "unsupported": "vorm niet ondersteund", "skipped": "overgeslagen"}
INDICATOR_STATUS = {"met": "gehaald", "not_met": "niet gehaald", "no_data": "geen gegevens"}
