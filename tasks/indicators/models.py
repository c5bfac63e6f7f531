"""The SQL models of `sql/`, as dbt lays them out: seeds from the configuration, staging models over the fact
tables, one mart per indicator. Each model is loaded once: its `{{ ref('...') }}` calls are resolved (the declared
dependencies) and the SQL is parsed with sqlglot. A mart is composed with what it refers to into one `WITH`
statement, generated for the connection's database and run with bound parameters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlglot
from sqlalchemy import Date, DateTime, TextClause, bindparam, text
from sqlglot import exp

from kansenmonitor.catalogue import Indicator, catalogue, models_dir
from kansenmonitor.config import Config
from kansenmonitor.periods import Period
from kansenmonitor.sql import load_sql

SEED_TYPES = {"name": "VARCHAR(200)", "number": "DOUBLE PRECISION", "integer": "INTEGER"}
PARAM_TYPES = {"period_end": Date(), "vog_valid_from": Date(), "after_period_end": DateTime()}
DIALECTS = {"postgresql": "postgres", "sqlite": "sqlite"}


@dataclass(frozen=True)
class Model:
    """One SQL file: its parsed statement and the models it refers to with `ref()`."""

    name: str
    tree: exp.Query
    refs: tuple[str, ...]

    def ctes(self) -> list[exp.CTE]:
        with_ = self.tree.args.get("with_")
        return list(with_.expressions) if with_ else []


@cache
def load_model(folder: Path, layer: str, name: str) -> Model:
    """Read, render and parse the model (cached per models folder); `ref('x')` records the dependency and
    names the model."""
    refs: list[str] = []

    def ref(model: str) -> str:
        refs.append(model)
        return model

    tree = sqlglot.parse_one(load_sql(layer, name, ref=ref), read="postgres")
    return Model(name, tree, tuple(dict.fromkeys(refs)))


def mart_indicators(mart: str) -> list[Indicator]:
    return [i for i in catalogue().values() if i.mart == mart]


def configured_marts(config: Config) -> list[str]:
    """The marts of the indicators the configuration names in its targets or goals, in catalogue order."""
    named = set(config.targets) | {i for goal in config.goals for i in goal.indicators}
    return list(dict.fromkeys(i.mart for key, i in catalogue().items() if key in named))


def indicator_model(indicator: str) -> Indicator:
    """The catalogue entry of an indicator id, or ValueError listing the known ones."""
    known = catalogue()
    if indicator not in known:
        raise ValueError(f"onbekende indicator '{indicator}'; de indicatoren zijn: {', '.join(known)}")
    return known[indicator]


# --- seeds: small tables from the configuration ---------------------------------------------------------------


def _seed(name: str, columns: dict[str, str], rows: list[tuple]) -> tuple[str, dict]:
    """A table as a SELECT of bound parameters (never SQL literals), typed for both databases."""
    types = {c: SEED_TYPES[t] for c, t in columns.items()}
    if not rows:
        return "SELECT " + ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in types.items()) + " WHERE 1 = 0", {}
    selects, params = [], {}
    for i, row in enumerate(rows):
        selects.append("SELECT " + ", ".join(f"CAST(:{name}_{i}_{c} AS {t}) AS {c}" for c, t in types.items()))
        params.update({f"{name}_{i}_{c}": value for c, value in zip(columns, row)})
    return " UNION ALL ".join(selects), params


def seeds(config: Config) -> dict[str, tuple[str, dict]]:
    budgets = [a.budget for a in config.areas]
    coalition_budget = sum(budgets) if None not in budgets else None
    scopes = [("coalition", config.programme.name, None, None, coalition_budget)]
    scopes += [("area", a.name, a.name, None, a.budget) for a in config.areas]
    scopes += [("school", s, None, s, None) for s in config.schools()]
    return {
        "seed_scopes": _seed("seed_scopes", {"scope": "name", "scope_name": "name", "area": "name",
                                             "school": "name", "budget": "number"}, scopes),
        "seed_eligible_groups": _seed("seed_eligible_groups", {"school_group": "integer"},
                                      [(g,) for g in config.eligible_groups]),
        "seed_area_pillars": _seed("seed_area_pillars", {"area": "name", "pillar": "name"},
                                   [(a.name, p) for a in config.areas for p in dict.fromkeys(a.pillars)]),
        "seed_development_areas": _seed("seed_development_areas", {"development_area": "name"},
                                        [(d,) for d in dict.fromkeys(config.development_areas)]),
    }


# --- parameters -------------------------------------------------------------------------------------------------


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def period_params(config: Config, period: Period) -> dict:
    """The bound parameters every model may use, and those the catalogue takes from the indicators' targets."""
    end = period.end
    valid_from = _years_before(end, config.vog_max_age_years) if config.vog_max_age_years else dt.date.min
    params = dict(coalition=config.slug, period=period.name, period_end=end,
                  after_period_end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time()),
                  school_year=period.name[:9], vog_valid_from=valid_from)
    for indicator in catalogue().values():
        target = config.targets.get(indicator.id)
        for name, parameter in indicator.parameters.items():
            value = getattr(target, parameter.target, None) if target else None
            params[name] = value if value is not None else parameter.default
    return params


# --- composing ----------------------------------------------------------------------------------------------------


def _population_in_scope(scopes: list[str]) -> exp.Query:
    """Every scope the mart reports, joined with the population rows it covers, keeping scopes without rows."""
    listed = ", ".join(f"'{s}'" for s in scopes)  # from the catalogue's closed list of scope kinds
    return sqlglot.parse_one(f"""SELECT seed_scopes.scope, seed_scopes.scope_name, seed_scopes.budget, population.*
        FROM seed_scopes
        LEFT JOIN population
            ON (seed_scopes.area IS NULL OR population.area = seed_scopes.area)
            AND (seed_scopes.school IS NULL OR population.school = seed_scopes.school)
        WHERE seed_scopes.scope IN ({listed})""", read="postgres")


def _dependencies(folder: Path, model: Model, seen: dict[str, Model | None]) -> None:
    """Depth-first over `ref()`s: staging models before the models that use them; seeds are None."""
    for name in model.refs:
        if name in seen:
            continue
        if name.startswith("seed_"):
            seen[name] = None
            continue
        staging = load_model(folder, "staging", name)
        _dependencies(folder, staging, seen)
        seen[name] = staging


def statement(config: Config, period: Period, mart: str, dialect: str,
              final: str | None = None) -> tuple[TextClause, dict]:
    """The mart as one statement: its seeds and staging models, its own CTEs with `population_in_scope` right after
    `population`. With `final`, that SELECT replaces the mart's own, reading the CTEs up to `population_in_scope`.
    """
    folder = models_dir()
    model = load_model(folder, "marts", mart)
    depends: dict[str, Model | None] = {"seed_scopes": None}  # population_in_scope reads it
    _dependencies(folder, model, depends)
    own = model.ctes()
    at = [c.alias for c in own].index("population") + 1
    scopes = list(dict.fromkeys(s for i in mart_indicators(mart) for s in i.scopes)) or ["coalition"]
    in_scope = exp.CTE(this=_population_in_scope(scopes), alias=exp.TableAlias(this=exp.to_identifier(
        "population_in_scope")))
    available = seeds(config)
    params = period_params(config, period)
    ctes = []
    for name, staging in depends.items():
        if staging is None:
            sql, seed_params = available[name]
            params.update(seed_params)
            body = sqlglot.parse_one(sql, read="postgres")
        else:
            body = staging.tree.copy()
        ctes.append(exp.CTE(this=body, alias=exp.TableAlias(this=exp.to_identifier(name))))
    ctes += [c.copy() for c in own[:at]] + [in_scope] + ([] if final else [c.copy() for c in own[at:]])
    select = sqlglot.parse_one(final, read="postgres") if final else model.tree.copy()
    select.set("with_", exp.With(expressions=ctes))
    names = {p.name for p in select.find_all(exp.Placeholder)}
    # Bound parameters stay `:name` for SQLAlchemy whatever the database's own placeholder style.
    select = select.transform(lambda node: exp.var(f":{node.name}") if isinstance(node, exp.Placeholder) else node)
    sql = select.sql(dialect=DIALECTS.get(dialect, dialect))
    binds = [bindparam(n, type_=t) for n, t in PARAM_TYPES.items() if n in names]
    return text(sql).bindparams(*binds), {k: v for k, v in params.items() if k in names}
