"""Ingesting delivered files: read, recognise, validate and load, each file one unit of work.

Files of a batch are validated together, far cheaper than one by one; still one transaction per
file: a file is loaded whole (its valid rows as facts, its failing rows in
quarantine, its ledger row) or not at all. The checksum ledger makes a second delivery of the same
bytes change nothing, also when two workers race for it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from kansenmonitor.config import Config
from kansenmonitor.db import Delivery
from tasks.ingest.load import load
from tasks.ingest.read import DeliveryRejected, Sheet, read_sheet
from tasks.ingest.recognise import Recognised, recognise
from tasks.ingest.validate import Validated, validate_many


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached or dropped the connection; nothing of the file was stored."""


@dataclass
class IngestResult:
    file: str
    status: str  # loaded | duplicate | rejected
    source: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""
    delivery_id: int | None = None


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _already_delivered(engine: Engine, config: Config, sha: str) -> int | None:
    with engine.connect() as conn:
        return conn.execute(
            select(Delivery.id).where(Delivery.coalition == config.slug, Delivery.sha256 == sha)
        ).scalar()


def _ledger_row(config: Config, path: Path, sha: str, received: dt.datetime, **extra) -> dict:
    return dict(coalition=config.slug, file_name=path.name, sha256=sha, size_bytes=path.stat().st_size,
                received_at=received, rows_read=0, rows_loaded=0, rows_quarantined=0, **extra)


@dataclass
class _Readable:
    """A file read and recognised, waiting for validation and its own transaction."""

    path: Path
    sha: str
    sheet: Sheet
    recognised: Recognised


def ingest_file(engine: Engine, config: Config, path: Path, key: bytes,
                received: dt.datetime | None = None) -> IngestResult:
    """Ingest `path` for `config`'s coalition; never raises for bad content, only for a broken database."""
    return ingest_files(engine, config, [Path(path)], key, received)[0]


def ingest_files(engine: Engine, config: Config, paths: list[Path], key: bytes,
                 received: dt.datetime | None = None) -> list[IngestResult]:
    """Ingest `paths` in order, each file in its own transaction, validated together (see `validate_many`)."""
    received = received or dt.datetime.now().replace(microsecond=0)
    outcomes: list[IngestResult | _Readable] = [_database(engine, p, _read, engine, config, p, received) for p in paths]
    readable = [o for o in outcomes if isinstance(o, _Readable)]
    checked = iter(validate_many([(r.sheet, r.recognised) for r in readable], config, key, received.date()))
    return [o if isinstance(o, IngestResult) else
            _database(engine, o.path, _load, engine, config, o, next(checked), received) for o in outcomes]


def _database(engine: Engine, path: Path, step, *args):
    """`step(*args)`, with a dropped or unreachable database reported for the file at hand."""
    try:
        return step(*args)
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise DatabaseUnavailable(
            f"database niet bereikbaar of verbinding verbroken ({engine.url.render_as_string(hide_password=True)}) "
            f"tijdens {Path(path).name}: {reason}; er is niets van dit bestand opgeslagen, het wordt opnieuw "
            "aangeboden bij de volgende poging"
        ) from exc


def _read(engine: Engine, config: Config, path: Path, received: dt.datetime) -> IngestResult | _Readable:
    """The file read and recognised, or its outcome already: delivered before, or rejected whole."""
    sha = checksum(path)
    earlier = _already_delivered(engine, config, sha)
    if earlier:
        return IngestResult(path.name, "duplicate", delivery_id=earlier,
                            message="dit bestand is al eerder aangeleverd; er verandert niets")
    try:
        sheet = read_sheet(path, max_bytes=int(config.max_file_mb * 1_000_000))
        if not sheet.rows:
            raise DeliveryRejected("bestand is leeg: er staat geen enkele gevulde regel in")
        sheet, recognised = _recognise(path, sheet, config)
        mapping = config.sources.get(recognised.source.name)
        mapping_sheet = mapping.sheet if mapping else None
        if mapping_sheet and mapping_sheet != sheet.name:
            sheet = read_sheet(path, sheet=mapping_sheet, max_bytes=int(config.max_file_mb * 1_000_000))
            recognised = recognise(sheet, config, path.name)
        if recognised.header_index == len(sheet.rows) - 1:
            raise DeliveryRejected("bestand bevat alleen een kopregel en geen gegevensregels; er is niets geladen")
    except DeliveryRejected as rejected:
        return _reject(engine, config, path, sha, received, str(rejected))
    return _Readable(path, sha, sheet, recognised)


def _load(engine: Engine, config: Config, file: _Readable, validated: Validated, received: dt.datetime) -> IngestResult:
    path, source = file.path, file.recognised.source.name
    try:
        with engine.begin() as conn:
            delivery_id = conn.execute(insert(Delivery).returning(Delivery.id), _ledger_row(
                config, path, file.sha, received, source=source, sheet=file.sheet.name, status="loaded",
            )).scalar_one()
            delivery = Delivery(id=delivery_id, file_name=path.name, coalition=config.slug)
            load(conn, config, validated, delivery)
    except IntegrityError:
        if _already_delivered(engine, config, file.sha):
            return IngestResult(path.name, "duplicate", source,
                                message="dit bestand is tegelijk door een andere verwerking geladen")
        raise
    return IngestResult(path.name, "loaded", source, delivery.rows_read, delivery.rows_loaded,
                        delivery.rows_quarantined, delivery_id=delivery_id)


def _recognise(path: Path, first: Sheet, config: Config) -> tuple[Sheet, Recognised]:
    """Recognise the source on the first sheet, else on a sheet the configuration names for a source (an
    explanation sheet often comes first); the first sheet's reason when none is recognised."""
    try:
        return first, recognise(first, config, path.name)
    except DeliveryRejected as on_first:
        named = {m.sheet for m in config.sources.values() if m.sheet and m.sheet != first.name}
        for name in sorted(named) if path.suffix.lower() == ".xlsx" else []:
            try:
                sheet = read_sheet(path, sheet=name, max_bytes=int(config.max_file_mb * 1_000_000))
                return sheet, recognise(sheet, config, path.name)
            except DeliveryRejected:
                continue
        raise on_first


def _reject(engine: Engine, config: Config, path: Path, sha: str, received: dt.datetime, reason: str) -> IngestResult:
    try:
        with engine.begin() as conn:
            conn.execute(insert(Delivery), _ledger_row(config, path, sha, received, status="rejected",
                                                       rejection_reason=reason))
    except IntegrityError:
        pass
    return IngestResult(path.name, "rejected", message=reason)
