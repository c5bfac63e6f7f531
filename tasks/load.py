"""Loading one validated delivery in one transaction: facts, quarantine and ledger together or not at all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
from sqlalchemy import Connection, insert, select, update

from kansenmonitor.config import Config
from kansenmonitor.db import FACT_TABLES, ActivitySession, Delivery, QuarantinedRow, QuarantineReason
from tasks.validate import Validated

CHUNK = 500


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _plain(value: object) -> object:
    """A database-ready Python value: no pandas NA, Timestamps as date or datetime."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value


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


def _fact_rows(config: Config, validated: Validated, delivery_id: int) -> list[dict]:
    table = FACT_TABLES[validated.source.name].__table__
    names = [c.name for c in table.columns]
    frame = validated.valid
    if "area" in names and "area" not in frame and "school" in frame:
        frame = frame.assign(area=frame["school"].map(config.area_of_school))
    fields = [n for n in names if n in frame.columns]
    rows = []
    for values in frame[fields + ["_key", "_row", "_period"]].to_dict("records"):
        row = {n: _plain(values[n]) for n in fields}
        for date_field in ("session_date", "activity_date", "vog_date", "complaint_date", "booking_date"):
            if isinstance(row.get(date_field), dt.datetime):
                row[date_field] = row[date_field].date()
        row.update(coalition=config.slug, record_key=values["_key"], source_row=values["_row"],
                   period=values["_period"], delivery_id=delivery_id)
        rows.append(row)
    return rows


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
    for chunk in _chunks(_fact_rows(config, validated, delivery.id), 5000):
        conn.execute(insert(FACT_TABLES[validated.source.name]), chunk)
    _quarantine(conn, config, validated, delivery.id)
    _resolve_quarantine(conn, config, validated, delivery)
    conn.execute(update(Delivery).where(Delivery.id == delivery.id).values(
        rows_read=delivery.rows_read, rows_loaded=delivery.rows_loaded, rows_quarantined=delivery.rows_quarantined))
    return delivery

