"""Loading one validated delivery in one transaction: facts, quarantine and ledger together or not at all."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from sqlalchemy import Connection, insert, select, update

from kansenmonitor.config import Config
from kansenmonitor.db import FACT_TABLES, ActivitySession, Delivery, QuarantinedRow, QuarantineReason
from tasks.ingest.copy_load import copy_rows
from tasks.ingest.validate import Validated

CHUNK = 500
DATE_FIELDS = {"session_date", "activity_date", "vog_date", "complaint_date", "booking_date"}


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _python(values: pd.Series, as_date: bool = False) -> list:
    """A column as database-ready Python values, column at a time: None for every kind of missing,
    Timestamps as datetime (or date), numpy and pandas scalars as plain Python."""
    if pd.api.types.is_datetime64_any_dtype(values):
        values = values.dt.date if as_date else values.dt.to_pydatetime()
    return [None if missing else value for value, missing in zip(values.tolist(), values.isna().tolist())]


def check_session_references(conn: Connection, config: Config, validated: Validated) -> None:
    """Attendance must refer to a session in the current planning; otherwise the row fails."""
    if validated.source.name != "aanwezigheid" or validated.valid.empty:
        return
    planned = set(conn.execute(
        select(ActivitySession.record_key).where(
            ActivitySession.coalition == config.slug, ActivitySession.superseded_by.is_(None))
    ).scalars())
    valid = validated.valid
    session_keys = valid["_key"].str.rsplit("|", n=2).str[0]
    missing = ~session_keys.isin(planned)
    for index, row in valid[missing].iterrows():
        validated.fail(
            index, "Datum, Activiteit, Dorp",
            f"{row['session_date']:%d-%m-%Y} {row['title']} {row['area']}",
            "deze sessie staat niet in de activiteitenplanning; lever eerst de planning aan of corrigeer "
            "datum, activiteit of dorp",
        )
    validated.valid = valid[~missing]


def _fact_columns(config: Config, validated: Validated, delivery_id: int) -> dict[str, list]:
    """The fact table's columns for the valid rows, as equally long lists of Python values."""
    table = FACT_TABLES[validated.source.name].__table__
    names = [c.name for c in table.columns]
    frame = validated.valid
    if "area" in names and "area" not in frame and "school" in frame:
        frame = frame.assign(area=frame["school"].map(config.area_of_school))
    columns = {n: _python(frame[n], n in DATE_FIELDS) for n in names if n in frame.columns}
    return columns | {"coalition": [config.slug] * len(frame), "record_key": _python(frame["_key"]),
                      "source_row": _python(frame["_row"]), "period": _python(frame["_period"]),
                      "delivery_id": [delivery_id] * len(frame)}


def _insert_facts(conn: Connection, validated: Validated, columns: dict[str, list]) -> None:
    """PostgreSQL takes the rows by COPY; SQLite (the demo) by batched INSERTs."""
    table = FACT_TABLES[validated.source.name].__table__
    rows = zip(*columns.values())
    if conn.dialect.name == "postgresql":
        copy_rows(conn, table, list(columns), rows)
        return
    for chunk in _chunks([dict(zip(columns, row)) for row in rows], 5000):
        conn.execute(insert(table), chunk)


def _supersede(conn: Connection, config: Config, validated: Validated, delivery_id: int) -> None:
    model = FACT_TABLES[validated.source.name]
    current = (model.coalition == config.slug) & model.superseded_by.is_(None)
    if validated.source.register:
        conn.execute(update(model).where(current).values(superseded_by=delivery_id))
        return
    for keys in _chunks(sorted(set(validated.valid["_key"]))):
        conn.execute(update(model).where(current, model.record_key.in_(keys)).values(superseded_by=delivery_id))


def _resolve_quarantine(conn: Connection, config: Config, validated: Validated, delivery: Delivery) -> None:
    """Earlier failures end when this delivery carries their record again: corrected, or a new version."""
    open_rows = (QuarantinedRow.coalition == config.slug) & (QuarantinedRow.source == validated.source.name) \
        & QuarantinedRow.resolved_by.is_(None) & (QuarantinedRow.delivery_id != delivery.id)
    resolve = update(QuarantinedRow).values(resolved_by=delivery.id)
    earlier_versions = select(Delivery.id).where(
        Delivery.coalition == config.slug, Delivery.file_name == delivery.file_name, Delivery.id != delivery.id)
    conn.execute(resolve.where(open_rows, QuarantinedRow.delivery_id.in_(earlier_versions)))
    for keys in _chunks(sorted(set(validated.valid["_key"]))):
        conn.execute(resolve.where(open_rows, QuarantinedRow.record_key.in_(keys)))
    for refs in _chunks(sorted(set(validated.correction_refs.values()))):
        conn.execute(resolve.where(open_rows, QuarantinedRow.id.in_(refs)))


def _quarantine(conn: Connection, config: Config, validated: Validated, delivery_id: int) -> None:
    indices = sorted(validated.failed)
    for chunk in _chunks(indices):
        ids = conn.execute(
            insert(QuarantinedRow).returning(QuarantinedRow.id, sort_by_parameter_order=True),
            [dict(delivery_id=delivery_id, coalition=config.slug, source=validated.source.name,
                  row_number=validated.row_numbers[i], raw=validated.raw_json(i),
                  period=validated.periods.get(i), record_key=validated.keys.get(i)) for i in chunk],
        ).scalars().all()
        reasons = [dict(quarantined_row_id=row_id, column_name=f.column, value=f.value, reason=f.reason)
                   for row_id, i in zip(ids, chunk) for f in validated.failed[i]]
        conn.execute(insert(QuarantineReason), reasons)


def load(conn: Connection, config: Config, validated: Validated, delivery: Delivery) -> Delivery:
    """Write facts, quarantine and the reconciled ledger row; the caller's transaction makes it atomic."""
    check_session_references(conn, config, validated)
    delivery.rows_read = validated.rows_read
    delivery.rows_loaded = len(validated.valid)
    delivery.rows_quarantined = len(validated.failed)
    assert delivery.rows_read == delivery.rows_loaded + delivery.rows_quarantined, "reconciliation failed"
    _supersede(conn, config, validated, delivery.id)
    _insert_facts(conn, validated, _fact_columns(config, validated, delivery.id))
    _quarantine(conn, config, validated, delivery.id)
    _resolve_quarantine(conn, config, validated, delivery)
    conn.execute(update(Delivery).where(Delivery.id == delivery.id).values(
        rows_read=delivery.rows_read, rows_loaded=delivery.rows_loaded, rows_quarantined=delivery.rows_quarantined))
    return delivery

