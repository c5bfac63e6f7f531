"""The steward's view of quarantine: what failed, where and why, and a correction sheet to fix and redeliver.

A correction sheet has one line per failed row: its reference (`Correctie-ID`), where it came from
and why it failed, followed by the row's own columns exactly as delivered. Fix those cells and put
the sheet back in the inbox: it is recognised as its source, and every row that now passes closes
the failure it refers to.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kansenmonitor.db import Delivery, QuarantinedRow, QuarantineReason
from kansenmonitor.safe_output import append_row, neutralise
from tasks.ingest.validate import CORRECTION_COLUMN

LISTING_HEADER = ["Bestand", "Werkblad", "Bron", "Periode", "Rij", "Kolom", "Waarde", "Reden"]
SHEET_PREFIX = [CORRECTION_COLUMN, "Bestand", "Rij", "Reden"]


@dataclass
class FailedRow:
    id: int
    delivery_id: int
    file: str
    sheet: str | None
    source: str
    period: str | None
    row: int
    raw: dict[str, str]
    reasons: list[tuple[str | None, str | None, str]]  # column, value, reason
    resolved_by: int | None


def failed_rows(engine: Engine, coalition: str | None = None, file: str | None = None, source: str | None = None,
                period: str | None = None, include_resolved: bool = False) -> list[FailedRow]:
    """Quarantined rows, open ones only unless asked, filtered as the steward asks."""
    query = (select(QuarantinedRow, Delivery.file_name, Delivery.sheet)
             .join(Delivery, Delivery.id == QuarantinedRow.delivery_id)
             .order_by(Delivery.received_at, Delivery.id, QuarantinedRow.row_number))
    for condition, wanted in ((QuarantinedRow.coalition == coalition, coalition),
                              (Delivery.file_name == file, file), (QuarantinedRow.source == source, source),
                              (QuarantinedRow.period == period, period)):
        if wanted:
            query = query.where(condition)
    if not include_resolved:
        query = query.where(QuarantinedRow.resolved_by.is_(None))
    with Session(engine) as conn:
        rows = conn.execute(query).all()
        ids = [r[0].id for r in rows]
        reasons: dict[int, list] = {}
        for start in range(0, len(ids), 500):
            for reason in conn.execute(select(QuarantineReason).where(
                    QuarantineReason.quarantined_row_id.in_(ids[start:start + 500])).order_by(QuarantineReason.id)
            ).scalars():
                reasons.setdefault(reason.quarantined_row_id, []).append(
                    (reason.column_name, reason.value, reason.reason))
    return [FailedRow(q.id, q.delivery_id, name, sheet, q.source, q.period, q.row_number, json.loads(q.raw),
                      reasons.get(q.id, []), q.resolved_by) for q, name, sheet in rows]


def listing(rows: list[FailedRow]) -> list[list[object]]:
    """One line per reason: file, sheet, source, period, row, column, value, reason."""
    return [[r.file, r.sheet or "", r.source, r.period or "", r.row, column or "", value or "", reason]
            for r in rows for column, value, reason in r.reasons]


def write_listing_csv(rows: list[FailedRow], path: Path) -> Path:
    with Path(path).open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(LISTING_HEADER)
        writer.writerows([[neutralise(c) for c in line] for line in listing(rows)])
    return Path(path)


def _sheet_lines(rows: list[FailedRow]) -> tuple[list[str], list[list[object]]]:
    columns: list[str] = []
    for r in rows:
        columns += [c for c in r.raw if c not in columns and c != CORRECTION_COLUMN]
    lines = []
    for r in rows:
        why = "; ".join(f"{column or 'rij'}: {reason}" + (f" (waarde '{value}')" if value else "")
                        for column, value, reason in r.reasons)
        lines.append([r.id, r.file, r.row, why] + [r.raw.get(c, "") for c in columns])
    return SHEET_PREFIX + columns, lines


def write_correction_sheets(rows: list[FailedRow], path: Path) -> list[Path]:
    """One sheet per source (a redelivery is one source); `.xlsx` or `.csv` by the path's suffix."""
    path = Path(path)
    by_source: dict[str, list[FailedRow]] = {}
    for r in rows:
        by_source.setdefault(r.source, []).append(r)
    written = []
    for source, group in by_source.items():
        target = path if len(by_source) == 1 else path.with_name(f"{path.stem}_{source}{path.suffix}")
        header, lines = _sheet_lines(group)
        if target.suffix.lower() == ".xlsx":
            workbook = openpyxl.Workbook()
            sheet = workbook.active
            sheet.title = source[:31]
            for line in [header, *lines]:
                append_row(sheet, line)
            workbook.save(target)
        else:
            with target.open("w", newline="", encoding="utf-8-sig") as handle:
                writer = csv.writer(handle, delimiter=";")
                writer.writerow(header)
                writer.writerows([[neutralise(c) for c in line] for line in lines])
        written.append(target)
    return written
