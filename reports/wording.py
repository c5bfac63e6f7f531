"""Dutch as a policy reader writes it: measurement moments instead of period codes, "minimaal 90%" instead
of ">= 90%", "1 bevinding" and "2 bevindingen"."""

from __future__ import annotations

import datetime as dt

from kansenmonitor.config import Config
from kansenmonitor.periods import Period, programme_periods
from reports.indicators import format_value, indicator

MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]
ORDINALS = ["eerste", "tweede", "derde", "vierde", "vijfde", "zesde", "zevende", "achtste", "negende", "tiende",
            "elfde", "twaalfde"]
COMPARISON_WORDS = {">=": "minimaal", "<=": "hoogstens", ">": "meer dan", "<": "minder dan", "==": "precies"}


def plural(count: int, singular: str, plural_form: str) -> str:
    """`1 bevinding`, `2 bevindingen`, `0 bevindingen`."""
    return f"{count} {singular if count == 1 else plural_form}"


def dutch_list(items: list[str]) -> str:
    """`a`, `a en b`, `a, b en c`."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


def dutch_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


# What a count counts, singular and plural, so a target reads "minimaal 2 activiteiten" or "geen klachten".
COUNT_NOUNS = {
    "klachten_interactie": ("klacht", "klachten"),
    "aanbod_onderbouw": ("activiteit", "activiteiten"),
    "extra_aanbod": ("extra activiteit", "extra activiteiten"),
    "ideeen": ("idee", "ideeën"),
    "ontwikkelgebieden": ("ontwikkelgebied", "ontwikkelgebieden"),
    "deelnemers": ("kind", "kinderen"),
}


def threshold_words(indicator_id: str, comparison: str, value: float) -> str:
    """`minimaal 90%`, `alle`, `geen klachten`, `minimaal 1 idee`, `minimaal 4,0`."""
    kind = indicator(indicator_id).kind
    nouns = COUNT_NOUNS.get(indicator_id)
    if kind in ("share", "budget") and comparison in (">=", "==") and value >= 1:
        return "alle"
    if comparison in ("<=", "==") and value == 0:
        return f"geen {nouns[1]}" if nouns else "geen"
    if kind == "count" and comparison == ">" and float(value).is_integer():
        comparison, value = ">=", value + 1
    words = f"{COMPARISON_WORDS[comparison]} {format_value(indicator_id, value)}"
    if nouns:
        words += " " + (nouns[0] if value == 1 else nouns[1])
    return words


def months_of(period: Period) -> str:
    """`januari–juli 2025`, or `augustus 2024–juli 2025` across a year's end."""
    first, last = MONTHS[period.start.month - 1], MONTHS[period.end.month - 1]
    if period.start.year == period.end.year:
        return f"{first}–{last} {period.end.year}"
    return f"{first} {period.start.year}–{last} {period.end.year}"


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


def short_period_label(period: Period) -> str:
    """`januari–juli 2025`: a period in a table or a list where the measurement moment is clear."""
    return months_of(period)
