"""Programme configuration: one YAML file describes one coalition.

Validated on load so that a typo in a steward's YAML fails with the key and what was expected,
not with a traceback halfway through a run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_THEMES = [
    "Sport",
    "Cultuur",
    "Cognitieve ontwikkeling",
    "Sociale ontwikkeling",
    "Oriëntatie op jezelf en de wereld",
]

AUDIENCES = ("stuurgroep", "lokale_coalitie", "kernteam", "jaarverslag", "vervolgbesluit")
# Built once a school year, at the close of the periods `reporting.yearly` names, and only when configured there.
YEARLY_AUDIENCES = ("jaarverslag", "vervolgbesluit")
Audience = Literal["stuurgroep", "lokale_coalitie", "kernteam", "jaarverslag", "vervolgbesluit"]
# What NPO money is spent on per wijk (Uitvoeringsplan NPO Coevorden, section 8).
DEFAULT_SPENDING_POINTS = {
    1: "Inhoudelijke initiatieven van professionals uit de wijk",
    2: "Vervolginitiatieven na evaluatie",
    3: "Samenwerking in de wijk versterken",
    4: "Initiatieven van ouders en leerlingen uit de wijk",
}


class ConfigError(ValueError):
    """A configuration file that cannot be used, with a message naming file, key and expectation."""


@lru_cache(maxsize=1 << 16)
def normalise_name(name: str) -> str:
    """Case-, diacritics- and space-insensitive form used to match place and school names; cached, because
    every delivery repeats the same few headers, places and schools."""
    decomposed = unicodedata.normalize("NFKD", str(name))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


SLUG_LENGTH = 100  # the `coalition` columns


def slug(name: str) -> str:
    """`name` as lowercase letters, digits and dashes (`Kansrijk 's-Hertogenbosch (Noord) & Co` ->
    `kansrijk-s-hertogenbosch-noord-co`), the only characters every key allows; a name with none of them, or too
    long, keeps a hash of itself so different names stay different."""
    plain = re.sub(r"[^a-z0-9]+", "-", normalise_name(name)).strip("-")
    if plain and len(plain) <= SLUG_LENGTH:
        return plain
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
    return f"{plain[:SLUG_LENGTH - 13]}-{digest}".lstrip("-")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class School(_Strict):
    name: str
    aliases: list[str] = []


class Area(_Strict):
    """A village (School en Omgeving) or wijk (NPO)."""

    name: str
    aliases: list[str] = []
    schools: list[School] = []
    pillars: list[str] = []
    budget: float | None = Field(default=None, ge=0)


class PeriodBoundary(_Strict):
    """A half of the school year, as month-day strings: H1 = 08-01 .. 12-31."""

    name: str
    start: str = Field(pattern=r"^\d{2}-\d{2}$")
    end: str = Field(pattern=r"^\d{2}-\d{2}$")


class Programme(_Strict):
    name: str
    kind: Literal["school_en_omgeving", "npo"]
    start: dt.date
    end: dt.date
    area_label: str = "dorp"
    area_label_plural: str = "dorpen"
    school_year_start: str = Field(default="08-01", pattern=r"^\d{2}-\d{2}$")

    @model_validator(mode="after")
    def _start_before_end(self) -> Programme:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) moet na start ({self.start}) liggen")
        return self


class Target(_Strict):
    """A goal's target: `value` compared with `comparison`, or `all` of the denominator (every development area
    of the list); `more_than_previous` adds a trend goal; `every_area` and `min_areas` say where it must hold."""

    all: bool = False
    value: float | None = None
    comparison: Literal[">=", "<=", ">", "<", "=="] = ">="
    more_than_previous: bool = False
    every_area: bool = False
    deadline: dt.date | None = None
    min_areas: int | None = None
    tolerance: float | None = None
    min_children: int | None = Field(default=None, ge=1)
    counts_from: int | None = Field(default=None, ge=1, le=5)


class Advice(_Strict):
    """Texts the report uses in its Doen section, keyed by status."""

    met: str = ""
    not_met: str = ""
    no_data: str = ""
    falling: str = ""


class Goal(_Strict):
    """A goal of the plan as the report tells it: the plan's words, its indicators and advice."""

    title: str
    description: str = ""
    indicators: list[str]
    advice: Advice = Advice()
    indicator_advice: dict[str, Advice] = {}


class Decision(_Strict):
    """A decision the plan asks of an audience at a measurement moment, shown on the report's first page."""

    period: str
    text: str
    audiences: list[Audience] = ["stuurgroep"]


class YearlyReport(_Strict):
    """A report over a whole school year that the plan names: `jaarverslag` (NPO: progress to college and
    gemeenteraad) or `vervolgbesluit` (School en Omgeving: what the stuurgroep decides on continuation with).
    Built at the close of `periods` (default: the last half-year of every school year)."""

    audience: Literal["jaarverslag", "vervolgbesluit"]
    readers: str = Field(min_length=1)
    periods: list[str] = []


class Reporting(_Strict):
    """What the reports' summary, advice and Leren take from the figures, and who reads which free text."""

    key_messages: int = Field(default=5, ge=3, le=5)
    max_places_named: int = Field(default=3, ge=1)
    min_change_points: float = Field(default=0.05, gt=0, lt=1)
    min_change_fraction: float = Field(default=0.1, gt=0)
    min_change_mean: float = Field(default=0.3, gt=0)
    top_ideas_per_school: int = Field(default=3, ge=1)
    free_text: dict[Literal["kinderen", "ouders", "medewerkers", "partners"], list[Audience]] = {
        "kinderen": ["lokale_coalitie", "kernteam"],
        "ouders": ["lokale_coalitie", "kernteam"],
        "medewerkers": ["lokale_coalitie", "kernteam"],
        "partners": ["lokale_coalitie", "kernteam"],
    }
    decisions: list[Decision] = []
    yearly: list[YearlyReport] = []
    interpretations_for: list[Audience] = ["stuurgroep", "lokale_coalitie", "jaarverslag", "vervolgbesluit"]


class SourceMapping(_Strict):
    """How one coalition's export maps onto the contract's canonical fields."""

    sheet: str | None = None
    columns: dict[str, str] = {}


class Quality(_Strict):
    """The period's quality gate: when a count is implausible and a register stale."""

    register_max_age_days: int = Field(default=365, ge=1)
    outlier_factor: float = Field(default=3.0, gt=1)
    min_sessions_for_median: int = Field(default=5, ge=1)
    max_participant_drop: float = Field(default=0.5, gt=0, lt=1)
    min_previous_participants: int = Field(default=10, ge=1)
    hold_reports: bool = False
    required_sources: list[str] = Field(default=["aanwezigheid", "kindvragenlijst"], min_length=1)


class Smtp(_Strict):
    host: str | None = None
    port: int = 587
    security: Literal["starttls", "ssl", "none"] = "starttls"
    sender: str = "kansenmonitor@localhost"


class Config(_Strict):
    programme: Programme
    periods: list[PeriodBoundary] = [
        PeriodBoundary(name="H1", start="08-01", end="12-31"),
        PeriodBoundary(name="H2", start="01-01", end="07-31"),
    ]
    areas: list[Area] = Field(min_length=1)
    themes: list[str] = DEFAULT_THEMES
    activity_kinds: list[str] = ["vast", "10-weeks", "eenmalig"]
    eligible_groups: list[int] = [1, 2, 3, 4, 5, 6, 7, 8]
    min_respondents: int = Field(default=10, ge=1)
    min_organisations: int = Field(default=1, ge=1)
    development_areas: list[str] = Field(default=DEFAULT_THEMES, min_length=1)
    vog_max_age_years: int | None = Field(default=None, ge=1)
    targets: dict[str, Target] = {}
    goals: list[Goal] = []
    recipients: dict[str, list[str] | dict[str, list[str]]] = {}
    steward: list[str] = []
    smtp: Smtp = Smtp()
    sources: dict[str, SourceMapping] = {}
    quality: Quality = Quality()
    reporting: Reporting = Reporting()
    close_grace_days: int = Field(default=15, ge=1)
    max_file_mb: float = Field(default=50, gt=0)
    max_unpacked_mb: float = Field(default=500, gt=0)
    max_read_seconds: float = Field(default=300, gt=0)
    inbox_settle_seconds: float = Field(default=60, ge=0)
    spending_points: dict[int, str] = DEFAULT_SPENDING_POINTS

    @model_validator(mode="after")
    def _names_unique(self) -> Config:
        seen: dict[str, str] = {}
        for area in self.areas:
            for name in [area.name, *area.aliases]:
                key = normalise_name(name)
                if key in seen and seen[key] != area.name:
                    raise ValueError(f"gebiedsnaam '{name}' wordt gebruikt door zowel '{seen[key]}' als '{area.name}'")
                seen[key] = area.name
        outside = [d for d in self.development_areas if d not in self.themes]
        if outside:
            raise ValueError(f"development_areas: {outside} staat niet in themes, dus geen activiteit kan het ooit "
                             f"dekken; de thema's zijn {self.themes}")
        from kansenmonitor.db import FACT_TABLES  # the schema says which sources name a school on every row

        schooled = [s for s, model in FACT_TABLES.items() if "school" in model.__table__.columns]
        if not set(self.quality.required_sources) <= set(schooled):
            raise ValueError(f"quality.required_sources: {sorted(set(self.quality.required_sources) - set(schooled))} "
                             f"is geen bron per school; kies uit {schooled}")
        unknown = set(self.recipients) - set(AUDIENCES)
        if unknown:
            raise ValueError(f"recipients: onbekende doelgroep {sorted(unknown)}; verwacht een van {list(AUDIENCES)}")
        return self

    @property
    def slug(self) -> str:
        """The programme's key in the database, in Prefect (artifact keys) and in file names."""
        return slug(self.programme.name)

    def area_of(self, name: object) -> str | None:
        """The configured area a delivered village or wijk name refers to, or None."""
        return self._area_index().get(normalise_name(str(name)))

    def school_of(self, name: object) -> str | None:
        """The configured school a delivered school name refers to, or None."""
        return self._school_index().get(normalise_name(str(name)))

    def area_of_school(self, school: str) -> str:
        return next(a.name for a in self.areas for s in a.schools if s.name == school)

    def schools(self) -> list[str]:
        return [s.name for a in self.areas for s in a.schools]

    def recipients_for(self, audience: str, area: str | None = None) -> list[str]:
        listed = self.recipients.get(audience, [])
        if isinstance(listed, dict):
            return list(listed.get(area or "", []))
        return list(listed)

    def _area_index(self) -> dict[str, str]:
        return {normalise_name(n): a.name for a in self.areas for n in [a.name, *a.aliases]}

    def _school_index(self) -> dict[str, str]:
        return {
            normalise_name(n): s.name for a in self.areas for s in a.schools for n in [s.name, *s.aliases]
        }


MESSAGES = {  # pydantic's error types in Dutch; its context fills the braces
    "missing": "ontbreekt (verplichte sleutel)",
    "extra_forbidden": "onbekende sleutel",
    "literal_error": "moet een van deze waarden zijn: {expected}",
    "int_parsing": "moet een geheel getal zijn",
    "int_type": "moet een geheel getal zijn",
    "int_from_float": "moet een geheel getal zijn",
    "float_parsing": "moet een getal zijn",
    "float_type": "moet een getal zijn",
    "bool_parsing": "moet true of false zijn",
    "bool_type": "moet true of false zijn",
    "date_parsing": "moet een datum zijn (jjjj-mm-dd)",
    "date_from_datetime_parsing": "moet een datum zijn (jjjj-mm-dd)",
    "date_type": "moet een datum zijn (jjjj-mm-dd)",
    "string_type": "moet tekst zijn",
    "list_type": "moet een lijst zijn",
    "dict_type": "moet een verzameling sleutels zijn",
    "model_type": "moet een verzameling sleutels zijn",
    "model_attributes_type": "moet een verzameling sleutels zijn",
    "greater_than_equal": "moet {ge} of meer zijn",
    "greater_than": "moet groter zijn dan {gt}",
    "less_than_equal": "moet {le} of minder zijn",
    "less_than": "moet kleiner zijn dan {lt}",
    "string_pattern_mismatch": "heeft niet de vorm {pattern}",
    "too_short": "moet ten minste {min_length} element(en) hebben",
    "value_error": "{error}",
}


def _describe(error: dict) -> str:
    location = ".".join(str(p) for p in error["loc"]) or "(hoogste niveau)"
    context = {k: str(v).replace("' or '", "' of '") for k, v in error.get("ctx", {}).items()}
    template = MESSAGES.get(error["type"], "ongeldige waarde ({type})")
    got = error.get("input")
    shown = "" if isinstance(got, (dict, list)) or error["type"] == "missing" else f" (gekregen: {got!r})"
    return f"{location}: {template.format(type=error['type'], **context)}{shown}"


def load_config(path: str | Path) -> Config:
    """Read and validate a programme configuration, or raise ConfigError naming the key."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuratiebestand niet gevonden") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (regel {mark.line + 1}, kolom {mark.column + 1})" if mark else ""
        raise ConfigError(f"{path}: geen geldige YAML{where}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: verwacht sleutels met waarden op het hoogste niveau, niet {type(raw).__name__}")
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        lines = "\n".join(f"  - {_describe(e)}" for e in exc.errors())
        raise ConfigError(f"{path}: ongeldige configuratie:\n{lines}") from None
