"""What every source model shares: a column is a canonical field, its delivered header and how to parse it.

The pandera model of a source is the delivery contract as code. Each field's metadata names the
header of the default export (`header`) and the parser that turns the delivered text into a typed
value (`parse`); the pandera checks then judge the typed value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
import pandera.pandas as pa

PARSERS = (
    "text", "date", "datetime", "int", "group", "marker", "yes_no", "area", "school", "theme",
    "choice", "amount", "school_year", "pillar", "period", "goal",
)


def column(header: str, parse: str = "text", *, personal: bool = False, optional_header: bool = False, **checks):
    """A contract field: `header` as delivered, parsed by `parse`, judged by pandera `checks`.

    `personal` columns are read (so the header is recognised) but never stored, not even in quarantine.
    `optional_header` columns may be missing from an export altogether.
    """
    if parse not in PARSERS:
        raise ValueError(f"unknown parser {parse!r} for column {header!r}; one of {', '.join(PARSERS)}")
    checks.setdefault("nullable", False)
    return pa.Field(
        **checks,
        metadata={"header": header, "parse": parse, "personal": personal, "optional_header": optional_header},
    )


class RecordModel(pa.DataFrameModel):
    """A source's rows are records with a natural key: only the first of two rows of a file with the same key
    counts; the second is a failure. (`_file` tells the files of a batch apart: the same record in a later file
    is a new version.)"""

    @pa.dataframe_check(name="duplicate_record")
    def duplicate_record(cls, df: pd.DataFrame) -> pd.Series:
        return ~df.duplicated(["_file", "_key"], keep="first")


@dataclass(frozen=True)
class Source:
    """A kind of delivery: its model, its natural key and the date that places a record in a period."""

    name: str
    model: type[pa.DataFrameModel]
    natural_key: tuple[str, ...]
    period_field: str | None
    register: bool = False
    description: str = ""
    fields: dict[str, dict] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        schema = self.model.to_schema()
        object.__setattr__(
            self, "fields", {name: col.metadata for name, col in schema.columns.items() if col.metadata}
        )

    @cached_property
    def checked_schema(self) -> pa.DataFrameSchema:
        """The model's schema without the personal columns (read, never stored, so never judged); built once per
        source, as pandera copies the whole schema to leave columns out."""
        return self.model.to_schema().remove_columns([n for n, m in self.fields.items() if m["personal"]])

    def header_of(self, field_name: str, mapping: dict[str, str]) -> str:
        return mapping.get(field_name, self.fields[field_name]["header"])

    def headers(self, mapping: dict[str, str]) -> dict[str, str]:
        """Canonical field -> the header this coalition's export uses for it."""
        return {name: self.header_of(name, mapping) for name in self.fields}

    def required_headers(self, mapping: dict[str, str]) -> dict[str, str]:
        return {n: h for n, h in self.headers(mapping).items() if not self.fields[n]["optional_header"]}
