"""The SQL models of `sql/`, as dbt lays them out: seeds from the configurations (temporary tables), staging
models over the fact tables, one mart per indicator. Each model is loaded once: its `{{ ref('...') }}` calls are
resolved (the declared dependencies) and the SQL is parsed with sqlglot. A mart is composed with what it refers to
into one `WITH` statement for every coalition in the seeds, generated for the connection's database and run with
bound parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlglot
from sqlalchemy import Connection, Date, DateTime, TextClause, bindparam, text
from sqlglot import exp

from kansenmonitor.catalogue import Indicator, catalogue, models_dir
from kansenmonitor.config import Config
from kansenmonitor.periods import Period
from kansenmonitor.sql import load_sql

SEED_TYPES = {"name": "VARCHAR(200)", "key": "VARCHAR(520)", "number": "DOUBLE PRECISION", "integer": "INTEGER"}
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
def load_model(folder: Path, layer: str, name: str, dialect: str = "postgres") -> Model:
    """Read, render and parse the model (cached per models folder and database); `ref('x')` records the
    dependency and names the model. The Jinja sees `dialect` (sqlglot's name for the database the statement is
    for) and a mart's `scopes`, for the macros that group per scope (`grouped_by_scope`)."""
    refs: list[str] = []

    def ref(model: str) -> str:
        refs.append(model)
        return model

    scopes = mart_scopes(name) if layer == "marts" else []
    tree = sqlglot.parse_one(load_sql(layer, name, ref=ref, dialect=dialect, scopes=scopes), read="postgres")
    return Model(name, tree, tuple(dict.fromkeys(refs)))


def mart_indicators(mart: str) -> list[Indicator]:
    return [i for i in catalogue().values() if i.mart == mart]


def mart_scopes(mart: str) -> list[str]:
    """The kinds of scope the mart reports, as the catalogue gives them for its indicators."""
    return list(dict.fromkeys(s for i in mart_indicators(mart) for s in i.scopes)) or ["coalition"]


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


# --- seeds: small tables from the configurations -----------------------------------------------------------------


SEED_COLUMNS = {  # every seed carries the coalition it belongs to, so one statement can serve many coalitions
    "seed_coalitions": {"coalition": "name"},
    "seed_scopes": {"scope_id": "integer", "coalition": "name", "scope": "name", "scope_name": "name",
                    "scope_key": "key", "area": "name", "school": "name", "budget": "number"},
    "seed_eligible_groups": {"coalition": "name", "school_group": "integer"},
    "seed_area_pillars": {"coalition": "name", "area": "name", "pillar": "name"},
    "seed_development_areas": {"coalition": "name", "development_area": "name"},
}


@dataclass(frozen=True)
class Scope:
    """One row of `seed_scopes`: the coalition, one of its areas or one of its schools."""

    coalition: str
    scope: str
    scope_name: str


def seeds(configs: list[Config]) -> tuple[dict[str, list[tuple]], dict[int, Scope]]:
    """The seed tables' rows for these coalitions, and each `scope_id` with the scope it stands for. A scope's
    `scope_key` is what a population row's key must be to count for it (see `_population_in_scope`): the kind of
    scope, the coalition, and the area, the school or nothing, joined by `/` (a kind and a slug have none)."""
    tables: dict[str, list[tuple]] = {name: [] for name in SEED_COLUMNS}
    for config in configs:
        budgets = [a.budget for a in config.areas]
        coalition_budget = sum(budgets) if None not in budgets else None
        scopes = [("coalition", config.programme.name, f"coalition/{config.slug}/", None, None, coalition_budget)]
        scopes += [("area", a.name, f"area/{config.slug}/{a.name}", a.name, None, a.budget) for a in config.areas]
        scopes += [("school", s, f"school/{config.slug}/{s}", None, s, None) for s in config.schools()]
        tables["seed_coalitions"].append((config.slug,))
        tables["seed_scopes"] += [(len(tables["seed_scopes"]) + n, config.slug, *row) for n, row in enumerate(scopes)]
        tables["seed_eligible_groups"] += [(config.slug, g) for g in config.eligible_groups]
        tables["seed_area_pillars"] += [(config.slug, a.name, pillar) for a in config.areas
                                        for pillar in dict.fromkeys(a.pillars)]
        tables["seed_development_areas"] += [(config.slug, d) for d in dict.fromkeys(config.development_areas)]
    if len(tables["seed_coalitions"]) != len(set(tables["seed_coalitions"])):
        raise ValueError("twee configuraties hebben dezelfde coalitie: " + ", ".join(c.slug for c in configs))
    return tables, {row[0]: Scope(*row[1:4]) for row in tables["seed_scopes"]}


class Seeds:
    """The seed tables as temporary tables on one connection (see `seed_tables`), refilled only when a statement
    is for other coalitions than the one before (bound values, never SQL literals)."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.rows: dict[str, list[tuple]] = {name: [] for name in SEED_COLUMNS}
        self.configs: list[Config] = []
        self.scopes: dict[int, Scope] = {}

    def load(self, configs: list[Config]) -> dict[int, Scope]:
        """Fill the tables with `configs`' seeds; the scopes by `scope_id`. The same configurations as the last
        statement's (every mart of a close of all coalitions) leave the tables as they are."""
        if len(configs) == len(self.configs) and all(a is b for a, b in zip(configs, self.configs)):
            return self.scopes
        rows, scopes = seeds(configs)
        for name, columns in SEED_COLUMNS.items():
            if rows[name] == self.rows[name]:
                continue
            self.conn.execute(text(f"DELETE FROM {name}"))
            if rows[name]:
                self.conn.execute(text(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ("
                                       + ", ".join(f":{c}" for c in columns) + ")"),
                                  [dict(zip(columns, row)) for row in rows[name]])
            if self.conn.dialect.name == "postgresql":
                self.conn.execute(text(f"ANALYZE {name}"))  # temporary tables get no statistics of their own
        self.rows, self.configs, self.scopes = rows, list(configs), scopes
        return scopes


@contextmanager
def seed_tables(conn: Connection) -> Iterator[Seeds]:
    """The seed tables, empty, on `conn` while the block runs; dropped afterwards."""
    try:
        for name, columns in SEED_COLUMNS.items():
            conn.execute(text(f"CREATE TEMPORARY TABLE {name} ("
                              + ", ".join(f"{c} {SEED_TYPES[t]}" for c, t in columns.items()) + ")"))
        yield Seeds(conn)
    finally:
        conn.rollback()  # an aborted PostgreSQL transaction refuses the drops below
        own = "pg_temp" if conn.dialect.name == "postgresql" else "temp"  # never a table of the same name
        for name in SEED_COLUMNS:
            conn.execute(text(f"DROP TABLE IF EXISTS {own}.{name}"))
        conn.commit()


# --- parameters -------------------------------------------------------------------------------------------------


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def period_params(config: Config, period: Period) -> dict:
    """The bound parameters every model may use, and those the catalogue takes from the indicators' targets.
    They hold for every coalition a statement computes, so coalitions that differ in one share no statement."""
    end = period.end
    valid_from = _years_before(end, config.vog_max_age_years) if config.vog_max_age_years else dt.date.min
    params = dict(period=period.name, period_end=end,
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
    """Every scope the mart reports, joined with the population rows it covers, keeping scopes without rows.

    Each population row is repeated once per kind of scope with the key that kind looks at (kind, coalition, and
    its area, its school or nothing), so the join is on one equal value: every database can hash it, however
    many coalitions the seeds hold, and PostgreSQL estimates its rows right (on separate columns it multiplies
    their selectivities as if the coalition and the place were unrelated, and plans for a few thousand rows)."""
    kinds = " UNION ALL ".join(f"SELECT '{s}' AS kind" for s in scopes)  # the catalogue's closed list of kinds
    return sqlglot.parse_one(f"""SELECT seed_scopes.scope_id, seed_scopes.scope, seed_scopes.scope_name,
            seed_scopes.budget, population_by_kind.*
        FROM seed_scopes
        LEFT JOIN (
            SELECT
                kinds.kind || '/' || population.coalition || '/'
                    || CASE kinds.kind WHEN 'area' THEN population.area WHEN 'school' THEN population.school
                        ELSE '' END AS scope_key,
                population.*
            FROM population CROSS JOIN ({kinds}) AS kinds
        ) AS population_by_kind
            ON seed_scopes.scope_key = population_by_kind.scope_key
        WHERE seed_scopes.scope IN ({", ".join(f"'{s}'" for s in scopes)})""", read="postgres")


def _dependencies(folder: Path, model: Model, seen: dict[str, Model | None], dialect: str) -> None:
    """Depth-first over `ref()`s: staging models before the models that use them; seeds are None."""
    for name in model.refs:
        if name in seen:
            continue
        if name.startswith("seed_"):
            seen[name] = None
            continue
        staging = load_model(folder, "staging", name, dialect)
        _dependencies(folder, staging, seen, dialect)
        seen[name] = staging


def statement(mart: str, dialect: str, final: str | None = None) -> tuple[TextClause, frozenset[str]]:
    """The mart as one statement over the seed tables (see `Seeds`), and the names of its bound parameters."""
    return _statement(models_dir(), mart, DIALECTS.get(dialect, dialect), final)


@cache
def _statement(folder: Path, mart: str, dialect: str, final: str | None) -> tuple[TextClause, frozenset[str]]:
    """Its staging models as CTEs, its own CTEs with `population_in_scope` right after `population` (when the mart
    or `final` reads it). With `final`, that SELECT replaces the mart's own, reading the CTEs up to
    `population_in_scope`. Seeds are the temporary tables, so the text is the same for every coalition and composed
    once per mart."""
    model = load_model(folder, "marts", mart, dialect)
    depends: dict[str, Model | None] = {}
    _dependencies(folder, model, depends, dialect)
    own = model.ctes()
    at = [c.alias for c in own].index("population") + 1
    in_scope = exp.CTE(this=_population_in_scope(mart_scopes(mart)), alias=exp.TableAlias(this=exp.to_identifier(
        "population_in_scope")))
    ctes = [exp.CTE(this=staging.tree.copy(), alias=exp.TableAlias(this=exp.to_identifier(name)))
            for name, staging in depends.items() if staging is not None]
    # A mart that groups per scope itself (`grouped_by_scope`) leaves it out: PostgreSQL would otherwise see
    # `population` referred to twice and store it whole instead of reading it into the grouping.
    reads = final or any(t.name == "population_in_scope" for t in model.tree.find_all(exp.Table))
    ctes += [c.copy() for c in own[:at]] + ([in_scope] if reads else [])
    ctes += [] if final else [c.copy() for c in own[at:]]
    select = sqlglot.parse_one(final, read="postgres") if final else model.tree.copy()
    select.set("with_", exp.With(expressions=ctes))
    names = frozenset(p.name for p in select.find_all(exp.Placeholder))
    # Bound parameters stay `:name` for SQLAlchemy whatever the database's own placeholder style.
    select = select.transform(lambda node: exp.var(f":{node.name}") if isinstance(node, exp.Placeholder) else node)
    binds = [bindparam(n, type_=t) for n, t in PARAM_TYPES.items() if n in names]
    return text(select.sql(dialect=dialect)).bindparams(*binds), names
