"""The one loader of the SQL files in `sql/`: read a model and render its Jinja (`ref()`, placeholders) once.

The indicator composer parses the result with sqlglot; the quality gate hands it to Great Expectations.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, StrictUndefined
from jinja2.runtime import Macro

from kansenmonitor.catalogue import models_dir


@cache
def _templates(folder: Path) -> Environment:
    """Jinja for SQL, with the macros of `macros/*.sql` available in every model, as in dbt."""
    environment = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    for path in sorted((folder / "macros").glob("*.sql")):
        module = environment.from_string(path.read_text(encoding="utf-8")).module
        environment.globals.update({n: m for n, m in vars(module).items() if isinstance(m, Macro)})
    return environment


def load_sql(layer: str, name: str, **context: object) -> str:
    """`sql/<layer>/<name>.sql` (or under KANSENMONITOR_MODELS) with its Jinja rendered from `context`."""
    folder = models_dir()
    source = (folder / layer / f"{name}.sql").read_text(encoding="utf-8")
    return _templates(folder).from_string(source).render(**context)
