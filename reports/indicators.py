"""What each indicator is called in Dutch and how its figures, targets and dates are written: the one
place for all of them, used by the reports, the charts, the emails and the stored target texts.

The kind decides the formatting: a share is a fraction shown as a percentage, a count a whole number,
a mean a number with one decimal, and a budget share a percentage of euros.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Kind = Literal["share", "count", "mean", "budget"]


@dataclass(frozen=True)
class Indicator:
    label: str
    kind: Kind


INDICATORS: dict[str, Indicator] = {
    "veiligheid_kinderen": Indicator("Kinderen die zich veilig voelen bij de activiteiten", "share"),
    "veiligheid_ouders": Indicator("Ouders die zeggen dat hun kind zich veilig voelt", "share"),
    "klachtweg_kinderen": Indicator("Kinderen die weten bij wie ze terecht kunnen", "share"),
    "klachtweg_ouders": Indicator("Ouders die weten waar ze terecht kunnen met een klacht", "share"),
    "vog_dekking": Indicator("Structurele begeleiders met een geldige VOG", "share"),
    "klachten_interactie": Indicator("Klachten over interactie of groepsdynamiek", "count"),
    "groepssfeer": Indicator("Groepssfeer volgens begeleiders en leerkrachten (1-5)", "mean"),
    "groepssfeer_aandeel": Indicator("Begeleiders en leerkrachten die de groepssfeer met 4 of 5 beoordelen", "share"),
    "aanbod_onderbouw": Indicator("Activiteiten voor groep 1-4 met genoeg kinderen, sinds de start", "count"),
    "themamix": Indicator("Activiteiten met een mix van twee thema's", "share"),
    "ontwikkelgebieden": Indicator("Ontwikkelgebieden die aan bod kwamen", "count"),
    "extra_aanbod": Indicator("Extra activiteiten (10-weeks programma of eenmalig)", "count"),
    "deelnemers": Indicator("Kinderen die minstens één keer meededen", "count"),
    "bereik": Indicator("Bereik: deel van de leerlingen dat meedeed", "share"),
    "opkomst": Indicator("Opkomst: deel van de aanmeldingen dat aanwezig was", "share"),
    "ideeen": Indicator("Ideeën in de ideeënbus", "count"),
    "besteding": Indicator("Besteed deel van het wijkbudget", "budget"),
    "besteding_punt_1": Indicator("Besteed aan initiatieven van professionals (bestedingspunt 1)", "budget"),
    "besteding_punt_2": Indicator("Besteed aan vervolginitiatieven na evaluatie (bestedingspunt 2)", "budget"),
    "besteding_punt_3": Indicator("Besteed aan het versterken van de samenwerking (bestedingspunt 3)", "budget"),
    "besteding_punt_4": Indicator("Besteed aan initiatieven van ouders en leerlingen (bestedingspunt 4)", "budget"),
    "voortgang_partners": Indicator("Voortgang van de acties volgens de partners (1-5)", "mean"),
    "voortgang_partners_aandeel": Indicator("Partners die de voortgang met 3 of meer beoordelen", "share"),
    "pijlerdekking": Indicator("Gekozen pijlers waaraan minstens één actie werkt", "share"),
}


def indicator(indicator_id: str) -> Indicator:
    """The indicator's label and kind; an id the list does not know is shown as a count under its id."""
    return INDICATORS.get(indicator_id, Indicator(indicator_id, "count"))


def is_percentage(indicator_id: str) -> bool:
    return indicator(indicator_id).kind in ("share", "budget")


MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]
COMPARISONS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}


def _number(value: float, decimals: int) -> str:
    """Dutch notation: thousands dot, decimal comma."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_number(value: float, decimals: int = 1) -> str:
    """A plain number in Dutch notation with at most `decimals` decimals and no trailing zeros:
    `3,5`, `4`, `1.234`."""
    text = _number(round(float(value), decimals), decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


def format_euros(value: float) -> str:
    """`€ 12.345`."""
    return f"€ {_number(value, 0)}"


def dutch_date(day: dt.date) -> str:
    """`3 maart 2025`."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def format_target(indicator_id: str, value: float, comparison: str = "") -> str:
    """A target as the figure beside it is written, with up to one more decimal where a target has it:
    `≥ 90%`, `≥ 92,5%`, `≥ 3,5`."""
    number = f"{format_number(value * 100, 1)}%" if is_percentage(indicator_id) else format_number(value, 2)
    return f"{COMPARISONS.get(comparison, comparison)} {number}".strip()


def format_value(indicator_id: str, value: float | None) -> str:
    """The figure as a Dutch reader writes it: `92%`, `4,2`, `1.234`; a dash when there is none."""
    if value is None:
        return "—"
    kind = indicator(indicator_id).kind
    if kind in ("share", "budget"):
        return f"{_number(value * 100, 0)}%"
    if kind == "mean":
        return _number(value, 1)
    return _number(value, 0 if float(value).is_integer() else 1)


def format_change(indicator_id: str, change: float) -> str:
    """A difference between two periods: percentage points for shares, the unit itself otherwise."""
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    if is_percentage(indicator_id):
        return f"{sign}{_number(abs(change) * 100, 0)} procentpunt"
    return f"{sign}{format_value(indicator_id, abs(change))}"


def format_basis(indicator_id: str, numerator: float | None, denominator: float | None) -> str:
    """What the figure rests on, e.g. `46 van 50` or `€ 12.345 van € 39.604`; empty when unknown."""
    kind = indicator(indicator_id).kind
    if kind == "share" and numerator is not None and denominator is not None:
        return f"{_number(numerator, 0)} van {_number(denominator, 0)}"
    if kind == "budget" and numerator is not None and denominator is not None:
        return f"{format_euros(numerator)} van {format_euros(denominator)}"
    if kind == "mean" and denominator is not None:
        return f"{_number(denominator, 0)} antwoorden"
    return ""
