"""Which delivered rows an indicator value rests on, so a steward can check a surprising figure at its source.

Read from the same models the indicators come from: the mart's `population` in the asked scope, so the
answer can never drift from the definition.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from kansenmonitor.config import Config, normalise_name
from kansenmonitor.db import Delivery
from kansenmonitor.periods import Period
from tasks.indicators.compute import Closing, mart_cells
from tasks.indicators.models import indicator_model, period_params, seed_tables, statement

ROWS_IN_SCOPE = """SELECT * FROM population_in_scope
WHERE scope = :scope AND scope_name = :scope_name AND source_row IS NOT NULL"""


@dataclass(frozen=True)
class LineageRow:
    """The rows of one delivered file (and sheet) that an indicator value rests on."""

    file: str
    sheet: str | None
    rows: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def rows_text(self) -> str:
        """Row numbers as a person reads them: `2-5, 9`."""
        ranges: list[list[int]] = []
        for row in self.rows:
            if ranges and row == ranges[-1][1] + 1:
                ranges[-1][1] = row
            else:
                ranges.append([row, row])
        return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def scope_of(config: Config, scope_name: str) -> tuple[str, str]:
    """(`coalition`, `area` or `school`, canonical name) for a name as a person types it."""
    if normalise_name(scope_name) in {normalise_name(config.programme.name), config.slug, "coalition"}:
        return "coalition", config.programme.name
    if area := config.area_of(scope_name):
        return "area", area
    if school := config.school_of(scope_name):
        return "school", school
    raise ValueError(f"'{scope_name}' is niet de coalitie ({config.programme.name}), een "
                     f"{config.programme.area_label} of een school uit de configuratie")


def explain(engine: Engine, config: Config, indicator: str, period: Period, scope_name: str) -> list[LineageRow]:
    """The files and row numbers of the current fact rows behind `indicator` for `scope_name` in `period`."""
    entry = indicator_model(indicator)
    mart, variant = entry.mart, entry.variant
    scope, name = scope_of(config, scope_name)
    with engine.connect() as conn, seed_tables(conn) as seeds:
        cells = mart_cells(seeds, [Closing(config, period)], mart)[config.slug]
        if (scope, name) not in {(c.scope, c.scope_name) for c in cells if c.indicator == indicator}:
            raise ValueError(f"{indicator} heeft geen waarde voor {name} in {period}")
        query, names = statement(mart, conn.dialect.name, final=ROWS_IN_SCOPE)
        params = {k: v for k, v in period_params(config, period).items() if k in names}
        facts = [r for r in conn.execute(query, {**params, "scope": scope, "scope_name": name}).mappings()
                 if variant is None or r.get("variant", variant) == variant]
        deliveries = conn.execute(select(Delivery.id, Delivery.file_name, Delivery.sheet)
                                  .where(Delivery.id.in_({r["delivery_id"] for r in facts}))
                                  .order_by(Delivery.id)).all()
    return [LineageRow(file, sheet, tuple(sorted({r["source_row"] for r in facts if r["delivery_id"] == id_})))
            for id_, file, sheet in deliveries]
