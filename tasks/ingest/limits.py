"""What the database can hold, read from the schema itself: a value beyond it fails validation with a reason.

The contract's checks judge what a value means; these judge whether the fact table's column can store it
(text lengths, the digits of an amount, the range of an integer), so no file reaches COPY and fails there.
PostgreSQL refuses such values, SQLite would store them silently; both get the same failure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Integer, Numeric, String

from kansenmonitor.config import Config
from kansenmonitor.db import FACT_TABLES, Delivery
from tasks.ingest.parse import Factor, factorized
from tasks.ingest.read import DeliveryRejected

if TYPE_CHECKING:  # validation imports these limits
    from tasks.ingest.validate import Validated

INTEGER_RANGE = (-2**31, 2**31 - 1)  # SQL INTEGER, as PostgreSQL stores it


def _dutch_number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _beyond(values: pd.Series, column, factor: Factor | None = None) -> tuple[np.ndarray, str] | None:
    """Which values the column cannot hold (a boolean array), and why; None for a column without such a limit.
    `factor`, when known, is `values` as a Factor."""
    kind = column.type
    if isinstance(kind, String) and kind.length:
        limit = kind.length
        codes, distinct = factor or factorized(values)  # each distinct text measured once; missing never too long
        too_long = [not pd.isna(value) and len(value if isinstance(value, str) else str(value)) > limit
                    for value in distinct]
        return np.array(too_long, dtype=bool)[codes], \
            f"tekst is te lang: hoogstens {kind.length} tekens passen in de database"
    if isinstance(kind, Numeric) and kind.precision:
        largest = 10.0 ** (kind.precision - (kind.scale or 0)) - 10.0 ** -(kind.scale or 0)
        return np.abs(_numbers(values)) > largest, \
            f"bedrag is te groot: hoogstens {_dutch_number(largest, kind.scale or 0)} past in de database"
    if isinstance(kind, Integer):
        low, high = INTEGER_RANGE
        numbers = _numbers(values)
        return (numbers < low) | (numbers > high), \
            f"getal past niet in de database: het moet tussen {low} en {high} liggen"
    return None


def _numbers(values: pd.Series) -> np.ndarray:
    """The values as floats, NaN for missing or not a number (so every comparison with it is false)."""
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def rows_beyond(frame: pd.DataFrame, source: str, factors: dict[str, Factor] | None = None) -> np.ndarray:
    """Which rows of `frame` (a source's typed fields) hold a value its fact table cannot store: worked out for a
    batch of files at once, so a file with none is not checked again row by row. `factors`: columns of `frame`
    already factorised."""
    table = FACT_TABLES[source].__table__
    beyond = np.zeros(len(frame), dtype=bool)
    for name in frame.columns.intersection(list(table.columns.keys())):
        found = _beyond(frame[name], table.columns[name], (factors or {}).get(name))
        if found is not None:
            beyond |= found[0]
    return beyond


def check_database_limits(config: Config, validated: Validated) -> None:
    """Move every valid row holding a value its fact table cannot store to the failures, naming the column."""
    if validated.valid.empty or validated.within_limits:
        return
    table = FACT_TABLES[validated.source.name].__table__
    mapping = config.sources.get(validated.source.name)
    headers = validated.source.headers(mapping.columns if mapping else {})
    valid = validated.valid
    refused = np.zeros(len(valid), dtype=bool)
    for name, header in headers.items():
        if name not in valid.columns or name not in table.columns:
            continue
        beyond = _beyond(valid[name], table.columns[name])
        if beyond is None or not beyond[0].any():
            continue
        mask, reason = beyond
        for index in valid.index[mask]:
            value = valid.at[index, name]
            validated.fail(index, header, _dutch_number(value, 2) if isinstance(value, float) else value, reason)
        refused |= mask
    validated.valid = valid[~refused]


def check_sheet_name(name: str | None) -> None:
    """The ledger keeps the sheet's name; a name longer than its column rejects the file."""
    length = Delivery.__table__.columns["sheet"].type.length
    if name and len(name) > length:
        raise DeliveryRejected(f"de naam van het werkblad is {len(name)} tekens lang; hoogstens {length} passen in "
                               "de database: geef het werkblad een kortere naam")
