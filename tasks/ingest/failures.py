"""The steward's view of quarantine: what failed, where and why, and a correction sheet to fix and redeliver.

A correction sheet has one line per failed row: its reference (`Correctie-ID`), where it was first
delivered and why it failed, followed by the row's own columns as delivered. Fix those cells and put
the sheet back in the inbox: it is recognised as its source, and every row that now passes closes
the failure it refers to. A row that fails again keeps the reference and the original file and row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, aliased

from kansenmonitor.db import Delivery, QuarantinedRow, QuarantineReason
from kansenmonitor.safe_output import write_csv
from tasks.ingest.validate import CORRECTION_COLUMN

LISTING_HEADER = ["Correctie-ID", "Bestand", "Werkblad", "Bron", "Periode", "Rij", "Kolom", "Waarde", "Reden",
                  "Aangeleverd in", "Status"]
SHEET_PREFIX = [CORRECTION_COLUMN, "Bestand", "Werkblad", "Rij", "Reden"]


@dataclass
class FailedRow:
    """A quarantined row. `file`, `sheet` and `row` are where it was delivered; `original_*` where its record was
    first delivered: the same, unless it came back in a correction sheet and failed again."""

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
    origin_id: int | None = None
    original_file: str = ""
    original_sheet: str | None = None
    original_row: int = 0
    resolved_file: str | None = None

    @property
    def reference(self) -> int:
        """The `Correctie-ID`: the first failure of the record, the same in every round of corrections."""
        return self.origin_id or self.id

    @property
    def via(self) -> str:
        """Where a correction delivered the row again, or "" for the school's own file."""
        return f"{self.file} rij {self.row}" if self.origin_id else ""

    @property
    def status(self) -> str:
        return f"opgelost door {self.resolved_file}" if self.resolved_by else "open"


def failed_rows(engine: Engine, coalition: str | None = None, file: str | None = None, source: str | None = None,
                period: str | None = None, include_resolved: bool = False) -> list[FailedRow]:
    """Quarantined rows, open ones only unless asked, filtered as the steward asks (`file` matches the file a row
    was delivered in as well as its original file)."""
    origin, origin_delivery = aliased(QuarantinedRow), aliased(Delivery)
    resolver = aliased(Delivery)
    query = (select(QuarantinedRow, Delivery.file_name, Delivery.sheet, origin.row_number, origin_delivery.file_name,
                    origin_delivery.sheet, resolver.file_name)
             .join(Delivery, Delivery.id == QuarantinedRow.delivery_id)
             .outerjoin(origin, origin.id == QuarantinedRow.origin_id)
             .outerjoin(origin_delivery, origin_delivery.id == origin.delivery_id)
             .outerjoin(resolver, resolver.id == QuarantinedRow.resolved_by)
             .order_by(func.coalesce(QuarantinedRow.origin_id, QuarantinedRow.id), Delivery.received_at, Delivery.id,
                       QuarantinedRow.row_number))
    for condition, wanted in ((QuarantinedRow.coalition == coalition, coalition),
                              ((Delivery.file_name == file) | (origin_delivery.file_name == file), file),
                              (QuarantinedRow.source == source, source), (QuarantinedRow.period == period, period)):
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
                      reasons.get(q.id, []), q.resolved_by, q.origin_id, first_file or name,
                      first_sheet if first_file else sheet, first_row or q.row_number, resolved)
            for q, name, sheet, first_row, first_file, first_sheet, resolved in rows]


def listing(rows: list[FailedRow]) -> list[list[object]]:
    """One line per reason, at the record's original file and row."""
    return [[r.reference, r.original_file, r.original_sheet or "", r.source, r.period or "", r.original_row,
             column or "", value or "", reason, r.via, r.status]
            for r in rows for column, value, reason in r.reasons]


def reason_text(row: FailedRow) -> str:
    """All reasons of a row in one cell."""
    return "; ".join(f"{column or 'rij'}: {reason}" + (f" (waarde '{value}')" if value else "")
                     for column, value, reason in row.reasons)


def delivered_columns(rows: list[FailedRow]) -> list[str]:
    """The rows' own columns as delivered, in order of first appearance, without what a correction sheet adds."""
    columns: list[str] = []
    for r in rows:
        columns += [c for c in r.raw if c not in columns and c not in SHEET_PREFIX]
    return columns


def sheet_lines(rows: list[FailedRow]) -> tuple[list[str], list[list[object]]]:
    """A correction sheet's header and lines: the reference, the original place and the reasons, then the row."""
    columns = delivered_columns(rows)
    lines = [[r.reference, r.original_file, r.original_sheet or "", r.original_row, reason_text(r)]
             + [r.raw.get(c, "") for c in columns] for r in rows]
    return SHEET_PREFIX + columns, lines


def by_source(rows: list[FailedRow]) -> dict[str, list[FailedRow]]:
    grouped: dict[str, list[FailedRow]] = {}
    for r in rows:
        grouped.setdefault(r.source, []).append(r)
    return grouped


def write_correction_csvs(rows: list[FailedRow], path: Path) -> list[Path]:
    """One CSV correction sheet per source: `path` itself, or `<name>_<source>.csv` when there are several (the
    workbook, `tasks.ingest.correction_workbook`, holds them all)."""
    path = Path(path)
    grouped = by_source(rows)
    written = []
    for source, group in grouped.items():
        target = path if len(grouped) == 1 else path.with_name(f"{path.stem}_{source}{path.suffix}")
        header, lines = sheet_lines(group)
        with target.open("w", newline="", encoding="utf-8-sig") as handle:
            write_csv(handle, header, lines)
        written.append(target)
    return written
