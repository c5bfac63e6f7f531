"""The indicator catalogue (`sql/marts/indicators.yml`): for every indicator its mart, label, kind, scopes,
disclosure rule and target-driven parameters. The one place an indicator is described; the composer, the reports
and the docs all read it, so adding an indicator is a mart file plus an entry here, no Python.

`KANSENMONITOR_MODELS` points at another models folder (with `staging/`, `marts/` and `marts/indicators.yml`):
how an operator tries a new indicator, and how the tests add one.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from kansenmonitor.config import ConfigError
from kansenmonitor.settings import models_folder

DEFAULT_MODELS = Path(__file__).resolve().parent.parent / "sql"
Kind = Literal["share", "count", "mean", "budget", "coverage"]
ScopeKind = Literal["coalition", "area", "school"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetParameter(_Strict):
    """A bound parameter of a mart that the indicator's target may set, e.g. `counts_from`."""

    target: str
    default: float


class Indicator(_Strict):
    id: str
    label: str
    kind: Kind
    unit: str = ""
    mart: str
    variant: str | None = None
    scopes: list[ScopeKind]
    suppress: Literal["respondents", "organisations", "none"] = "none"
    parameters: dict[str, TargetParameter] = {}

    @property
    def is_percentage(self) -> bool:
        return self.kind in ("share", "budget")


def models_dir() -> Path:
    """The folder of SQL models and the catalogue: `KANSENMONITOR_MODELS`, else the repository's `sql/`."""
    return _folder(models_folder())


@cache
def _folder(setting: str) -> Path:
    """One Path per setting: the catalogue is looked up per indicator and cell when a period is closed."""
    return Path(setting) if setting else DEFAULT_MODELS


def catalogue() -> dict[str, Indicator]:
    """Every indicator of the catalogue in use, by id, in the catalogue's order."""
    return _load(models_dir())


@cache
def _load(folder: Path) -> dict[str, Indicator]:
    path = folder / "marts" / "indicators.yml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))["indicators"]
        result = {key: Indicator(id=key, **{"mart": key, **entry}) for key, entry in raw.items()}
    except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: de indicatorcatalogus is niet te lezen: {exc}") from None
    except ValidationError as exc:
        raise ConfigError(f"{path}: ongeldige indicatorcatalogus:\n{exc}") from None
    missing = sorted({i.mart for i in result.values()} - {p.stem for p in (path.parent).glob("*.sql")})
    if missing:
        raise ConfigError(f"{path}: geen mart-bestand voor {', '.join(missing)}")
    return result


def indicator(indicator_id: str) -> Indicator:
    """The catalogue's entry; an id it does not know is shown as a count under its own name."""
    known = catalogue().get(indicator_id)
    return known or Indicator(id=indicator_id, label=indicator_id, kind="count", mart=indicator_id,
                              scopes=["coalition"])


DOCS_START, DOCS_END = "<!-- indicators:start -->", "<!-- indicators:end -->"
SCOPE_WORDS = {"coalition": "coalitie", "area": "dorp/wijk", "school": "school"}
MINIMUM_WORDS = {"respondents": "`min_respondents`", "organisations": "`min_organisations`", "none": "geen"}


def docs_table() -> str:
    """The catalogue as the markdown table of `sql/README.md`, so the docs cannot drift from it."""
    lines = ["| indicator | label | kind | mart | scopes | minimum behind a shown figure | unit |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for i in catalogue().values():
        mart = f"`{i.mart}`" + (f" (variant `{i.variant}`)" if i.variant else "")
        scopes = ", ".join(SCOPE_WORDS[s] for s in i.scopes)
        lines.append(f"| `{i.id}` | {i.label} | {i.kind} | {mart} | {scopes} | "
                     f"{MINIMUM_WORDS[i.suppress]} | {i.unit} |")
    return "\n".join(lines)


def write_docs(readme: Path) -> None:
    """Replace the indicator table between the markers of `readme` with the catalogue's."""
    text = readme.read_text(encoding="utf-8")
    before, rest = text.split(DOCS_START)
    after = rest.split(DOCS_END)[1]
    readme.write_text(f"{before}{DOCS_START}\n{docs_table()}\n{DOCS_END}{after}", encoding="utf-8")


if __name__ == "__main__":
    write_docs(models_dir() / "README.md")
