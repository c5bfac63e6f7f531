"""The one loader of the SQL files in `sql/`: read a model and render its Jinja (`ref()`, placeholders) once.

The indicator composer parses the result with sqlglot; the quality gate hands it to Great Expectations.
"""

from __future__ import annotations

from jinja2 import Environment, StrictUndefined

from kansenmonitor.catalogue import models_dir

_templates = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def load_sql(layer: str, name: str, **context: object) -> str:
    """`sql/<layer>/<name>.sql` (or under KANSENMONITOR_MODELS) with its Jinja rendered from `context`."""
    source = (models_dir() / layer / f"{name}.sql").read_text(encoding="utf-8")
    return _templates.from_string(source).render(**context)
