"""Ingesting delivered files: read, recognise, validate and load, each file one unit of work.

Each file is opened and read once; what it is (its source) decides when it is loaded, so the reading
comes first and the loading follows in source order. Files of a batch are validated together and
loaded in one transaction, far cheaper than one by one; still a file is loaded whole (its valid rows
as facts, its failing rows in quarantine, its ledger row) or not at all: when any file of the batch
fails to load, the batch is rolled back and each file loaded again in its own transaction, so the
failure is that file's alone. The checksum ledger makes a second delivery of the same bytes change
nothing, also when two workers race for it.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
import os
import stat
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from sqlalchemy import Engine, Select, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from kansenmonitor.config import Config, normalise_name
from kansenmonitor.db import Delivery
from kansenmonitor.settings import settings
from schemas import SOURCES
from tasks.ingest.inbox import unsupported
from tasks.ingest.limits import check_sheet_name
from tasks.ingest.load import analyze_grown, load, load_many
from tasks.ingest.pseudonymise import check_database_key
from tasks.ingest.read import DeliveryRejected, Sheet, parse_sheet, read_file, read_limits, sheet_names
from tasks.ingest.recognise import Recognised, recognise
from tasks.ingest.validate import CORRECTION_COLUMN, Validated, validate_many


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached or dropped the connection; nothing of the file was stored."""


ORDER = {name: position for position, name in enumerate(SOURCES)}  # the order sources are loaded in


@dataclass
class IngestResult:
    file: str
    status: str  # loaded | duplicate | rejected | failed | unsupported (a form not read) | skipped (not read now)
    source: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""
    delivery_id: int | None = None


@dataclass
class _Earlier:
    """The ledger's live row of a file: loaded, or refused and not yet tried again."""

    id: int
    status: str
    cause: str | None
    context: str | None
    reason: str | None


def _live(config: Config, *first) -> Select:
    """The ledger's live rows of the coalition (one per checksum): `first`, then what `_Earlier` holds."""
    return select(*first, Delivery.id, Delivery.status, Delivery.refusal_cause, Delivery.refusal_context,
                  Delivery.rejection_reason).where(Delivery.coalition == config.slug, Delivery.retried_at.is_(None))


def _earlier(engine: Engine, config: Config, sha: str) -> _Earlier | None:
    # one statement, so no transaction around it: a file's look-up is one round trip instead of three
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        row = conn.execute(_live(config).where(Delivery.sha256 == sha)).first()
    return _Earlier(*row) if row else None


class _Ledger:
    """The coalition's live ledger rows by checksum, read in one statement before an inbox is read instead of one
    look-up per file. A checksum met a second time in the same inbox is looked up again: its first file may have
    been refused (and recorded) since."""

    def __init__(self, engine: Engine, config: Config):
        self.engine, self.config, self.seen = engine, config, set()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            self.rows = {sha: _Earlier(*row) for sha, *row in conn.execute(_live(config, Delivery.sha256))}

    def earlier(self, sha: str) -> _Earlier | None:
        if sha in self.seen:
            return _earlier(self.engine, self.config, sha)
        self.seen.add(sha)
        return self.rows.get(sha)


def _ledger_row(config: Config, path: Path, sha: str, received: dt.datetime, **extra) -> dict:
    return dict(coalition=config.slug, file_name=path.name, sha256=sha, size_bytes=path.stat().st_size,
                received_at=received, rows_read=0, rows_loaded=0, rows_quarantined=0, **extra)


@dataclass
class _Readable:
    """A file read and recognised, waiting for validation and loading."""

    path: Path
    sha: str
    sheet: Sheet
    recognised: Recognised
    retry_of: int | None = None


def ingest_file(engine: Engine, config: Config, path: Path, key: bytes,
                received: dt.datetime | None = None) -> IngestResult:
    """Ingest `path` for `config`'s coalition; never raises for bad content, only for a broken database."""
    return ingest_files(engine, config, [Path(path)], key, received)[0]


def batch_size() -> int:
    """Files validated and loaded together: the parsers' and pandera's fixed cost is most of a small delivery's,
    and a transaction's commit most of its load."""
    return max(1, settings().ingest_batch_files)


def ingest_files(engine: Engine, config: Config, paths: list[Path], key: bytes, received: dt.datetime | None = None,
                 progress: Callable[[int], None] | None = None) -> list[IngestResult]:
    """Ingest `paths`: each file read and recognised once, in the order given; then loaded in source order
    (the planning before the attendance that refers to it; a source's files in the order given), validated
    together and loaded in one transaction per batch (`batch_size`, `_load_batch`). The results are in the
    order of `paths`; `progress(n)` is told each time `n` more files are done."""
    received = received or dt.datetime.now().replace(microsecond=0)
    if not paths:
        return []
    # checked with the first file's database work, so an outage is reported for that file
    _database(engine, paths[0].name, _check_key, engine, key)
    ledger = _database(engine, paths[0].name, _Ledger, engine, config)
    with _cycles_uncollected():
        outcomes: list[IngestResult | _Readable] = [
            outcome for p in paths for outcome in _database(engine, p.name, _read, engine, config, ledger, p, received)]
        waiting = Counter(o.path for o in outcomes if isinstance(o, _Readable))
        _advance(progress, len(paths) - len(waiting))
        pending = deque(sorted((i for i, o in enumerate(outcomes) if isinstance(o, _Readable)),
                               key=lambda i: ORDER[outcomes[i].recognised.source.name]))
        size, growth = batch_size(), settings().analyze_growth  # read once: building the settings costs ~2 ms
        while pending:
            batch = [pending.popleft() for _ in range(min(size, len(pending)))]
            files = [outcomes[i] for i in batch]
            loaded = _database(engine, ", ".join(dict.fromkeys(file.path.name for file in files)), _load_batch, engine,
                               config, list(zip(files, _validate(files, config, key, received.date()))), received,
                               growth)
            for i, file, result in zip(batch, files, loaded):
                outcomes[i] = result
                waiting[file.path] -= 1
            _advance(progress, sum(1 for path in {file.path for file in files} if not waiting[path]))
        return outcomes


@contextmanager
def _cycles_uncollected() -> Iterator[None]:
    """Python's cycle collector paused while an inbox is ingested: reading builds a list per row that holds no
    cycles, and the collector, set off by every few hundred new objects, scanned them all again and again as they
    piled up and while they waited to be validated (a third of reading's CPU, a sixth of validating's). Objects are
    still freed as soon as nothing refers to them; cycles made meanwhile are collected once it resumes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _advance(progress: Callable[[int], None] | None, files: int) -> None:
    if progress and files:
        progress(files)


def _validate(readable: list[_Readable], config: Config, key: bytes, received: dt.date) -> list[Validated | Exception]:
    """The batch validated together; should that fail on something no check foresaw, each file alone, so the
    failure stays with the file that caused it."""
    try:
        return validate_many([(r.sheet, r.recognised) for r in readable], config, key, received)
    except Exception:  # noqa: BLE001 - narrowed down to its file below
        if len(readable) == 1:
            return [sys.exc_info()[1]]
        return [checked for r in readable for checked in _validate([r], config, key, received)]


def _check_key(engine: Engine, key: bytes) -> None:
    with engine.begin() as conn:
        check_database_key(conn, key)


def _database(engine: Engine, during: str, step, *args):
    """`step(*args)`, with a dropped or unreachable database reported for the file at hand."""
    try:
        return step(*args)
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise DatabaseUnavailable(
            f"database niet bereikbaar of verbinding verbroken ({engine.url.render_as_string(hide_password=True)}) "
            f"tijdens {during}: {reason}; er is niets van dit bestand opgeslagen, het wordt opnieuw "
            "aangeboden bij de volgende poging"
        ) from exc


def _fingerprint(path: Path) -> tuple[int, int, int] | None:
    """What changes when a file is written to or swapped; None when it is no longer a regular file."""
    info = os.lstat(path)
    return (info.st_ino, info.st_size, info.st_mtime_ns) if stat.S_ISREG(info.st_mode) else None


def _read(engine: Engine, config: Config, ledger: _Ledger, path: Path,
          received: dt.datetime) -> list[IngestResult | _Readable]:
    """The file read and recognised, or its outcome already: delivered before, in a form that cannot be read,
    rejected whole, or changed while it was read (then nothing is stored and the next run reads it again). A file
    refused for a cause outside it (size cap, configuration, a failed load) is tried again once that cause
    changed. A correction workbook gives one delivery per sheet (a sheet per source)."""
    before = _fingerprint(path)
    if before is None:
        return [IngestResult(path.name, "skipped", message="dit is geen gewoon bestand meer en wordt niet gelezen")]
    max_bytes = int(config.max_file_mb * 1_000_000)
    contents = read_file(path, max_bytes)  # the file's only read: everything below works from these bytes
    sha = contents.sha256
    form = unsupported(path)
    if form:
        return [_refuse(engine, config, path, sha, received, None, "file", form, status="unsupported")]
    earlier = ledger.earlier(sha)
    if earlier and earlier.status == "loaded":
        return [IngestResult(path.name, "duplicate", delivery_id=earlier.id,
                             message="dit bestand is al eerder aangeleverd; er verandert niets")]
    if earlier and (earlier.cause not in OUTSIDE_CAUSES or earlier.context == refusal_context(engine, config,
                                                                                              earlier.cause)):
        return [IngestResult(path.name, "duplicate", delivery_id=earlier.id,
                             message=f"dit bestand is al eerder geweigerd ({earlier.reason}); er verandert niets")]
    retry_of = earlier.id if earlier else None
    if contents.data is None:
        return [_refuse(engine, config, path, sha, received, retry_of, "size",
                        f"bestand is te groot: {contents.size / 1e6:.1f} MB, de grens is {max_bytes / 1e6:.1f} "
                        "MB (max_file_mb in de configuratie)")]
    data, limits = contents.data, read_limits(config)
    cause = "file"
    try:
        sheet = parse_sheet(data, path.suffix, **limits)
        if not sheet.rows:
            raise DeliveryRejected("bestand is leeg: er staat geen enkele gevulde regel in")
        cause = "configuration"
        sheet, recognised = _recognise(path, data, sheet, config)
        mapping = config.sources.get(recognised.source.name)
        mapping_sheet = mapping.sheet if mapping else None
        if mapping_sheet and mapping_sheet != sheet.name and not _is_correction_sheet(sheet, recognised):
            sheet = parse_sheet(data, path.suffix, sheet=mapping_sheet, **limits)
            recognised = recognise(sheet, config, path.name)
        cause = "file"
        check_sheet_name(sheet.name)
        if recognised.header_index == len(sheet.rows) - 1:
            raise DeliveryRejected("bestand bevat alleen een kopregel en geen gegevensregels; er is niets geladen")
    except DeliveryRejected as rejected:
        refused = str(rejected)
    else:
        refused = None
    if _fingerprint(path) != before:
        return [IngestResult(path.name, "skipped", message="dit bestand veranderde terwijl het werd gelezen; er is "
                             "niets opgeslagen, het wordt opnieuw gelezen zodra het niet meer verandert")]
    if refused:
        return [_refuse(engine, config, path, sha, received, retry_of, cause, refused)]
    return [_Readable(path, sha, sheet, recognised, retry_of),
            *_other_correction_sheets(config, path, data, sha, sheet, recognised)]


def _is_correction_sheet(sheet: Sheet, recognised: Recognised) -> bool:
    """A sheet of `failures --xlsx`: its rows name the failure they correct; its title is the source's name."""
    return normalise_name(CORRECTION_COLUMN) in {normalise_name(cell) for cell in sheet.rows[recognised.header_index]}


def _other_correction_sheets(config: Config, path: Path, data: bytes, sha: str, first: Sheet,
                             recognised: Recognised) -> list[_Readable]:
    """The further sheets of a correction workbook (`failures --xlsx`), each recognised as its own source; its
    ledger checksum is the file's and the sheet's, so a second delivery of the workbook still changes nothing."""
    if path.suffix.lower() != ".xlsx" or not _is_correction_sheet(first, recognised):
        return []
    readable = []
    for name in sheet_names(data):
        if name == first.name:
            continue
        try:
            sheet = parse_sheet(data, path.suffix, sheet=name, **read_limits(config))
            found = recognise(sheet, config, path.name)
        except DeliveryRejected:
            continue  # the workbook's lists of allowed answers
        readable.append(_Readable(path, hashlib.sha256(f"{sha}:{name}".encode()).hexdigest(), sheet, found))
    return readable


def _load_batch(engine: Engine, config: Config, files: list[tuple[_Readable, Validated | Exception]],
                received: dt.datetime, growth: float) -> list[IngestResult]:
    """The batch's files in one transaction, in order; should any of them fail, the batch is rolled back and every
    file loaded in its own transaction (`_load`), so the others are loaded and the failure is recorded for the one
    that caused it. Afterwards the fact tables that grew by more than `growth` are analysed."""
    loadable = [(file, validated) for file, validated in files if not isinstance(validated, Exception)]
    if len(loadable) < 2:
        return [_database(engine, f.path.name, _load, engine, config, f, v, received, growth) for f, v in files]
    before = [(v.valid, {i: list(f) for i, f in v.failed.items()}) for _, v in loadable]  # the load may move rows
    try:
        with engine.begin() as conn:
            for file, _ in loadable:
                _mark_retried(conn, file.retry_of, received)
            deliveries = dict(zip((id(file) for file, _ in loadable), load_many(
                conn, config, [(validated, _ledger_of(config, file, received)) for file, validated in loadable])))
    except OperationalError:
        raise
    except Exception:  # noqa: BLE001 - each file again on its own, which records the failure as that file's
        for (_, validated), (valid, failed) in zip(loadable, before):
            validated.valid, validated.failed = valid, failed
        return [_database(engine, f.path.name, _load, engine, config, f, v, received, growth) for f, v in files]
    _analyze(engine, {v.source.name for _, v in loadable}, growth)
    return [_load_failed(engine, config, f, received, v) if isinstance(v, Exception) else _loaded(f, deliveries[id(f)])
            for f, v in files]


def _ledger_of(config: Config, file: _Readable, received: dt.datetime) -> dict:
    return _ledger_row(config, file.path, file.sha, received, source=file.recognised.source.name,
                       sheet=file.sheet.name, status="loaded", retry_of=file.retry_of)


def _loaded(file: _Readable, delivery: Delivery) -> IngestResult:
    return IngestResult(file.path.name, "loaded", file.recognised.source.name, delivery.rows_read,
                        delivery.rows_loaded, delivery.rows_quarantined, delivery_id=delivery.id)


def _analyze(engine: Engine, sources: set[str], growth: float) -> None:
    """Fresh statistics for the fact tables the load grew much (`KANSENMONITOR_ANALYZE_GROWTH`); only a help to
    the planner, so a failure is logged and the committed load's results still reported."""
    try:
        with engine.begin() as conn:
            analyze_grown(conn, sources, growth)
    except SQLAlchemyError as error:
        logging.getLogger(__name__).warning("ANALYZE na het laden mislukt: %s", error)


def _load(engine: Engine, config: Config, file: _Readable, validated: Validated | Exception,
          received: dt.datetime, growth: float) -> IngestResult:
    """Load one file in its own transaction; when the load itself fails for another reason than the database
    being away, that file alone is recorded as failed and the rest of the inbox goes on."""
    path, source = file.path, file.recognised.source.name
    if isinstance(validated, Exception):
        return _load_failed(engine, config, file, received, validated)
    try:
        with engine.begin() as conn:
            _mark_retried(conn, file.retry_of, received)
            delivery = load(conn, config, validated, _ledger_of(config, file, received))
    except OperationalError:
        raise
    except IntegrityError as error:
        if _earlier(engine, config, file.sha):
            return IngestResult(path.name, "duplicate", source,
                                message="dit bestand is tegelijk door een andere verwerking geladen")
        return _load_failed(engine, config, file, received, error)
    except Exception as error:  # noqa: BLE001 - any other failure stays this file's, recorded with its reason
        return _load_failed(engine, config, file, received, error)
    _analyze(engine, {source}, growth)
    return _loaded(file, delivery)


def _load_failed(engine: Engine, config: Config, file: _Readable, received: dt.datetime,
                 error: Exception) -> IngestResult:
    cause = getattr(error, "orig", None) or error
    why = (str(cause).strip().splitlines() or [""])[0]
    reason = (f"laden mislukt ({type(cause).__name__}: {why}); "
              f"er is niets van {file.path.name} opgeslagen; het wordt opnieuw geprobeerd na een nieuwe versie van "
              "kansenmonitor of van het databaseschema")
    result = _refuse(engine, config, file.path, file.sha, received, file.retry_of, "load", reason,
                     status="failed", source=file.recognised.source.name)
    result.source = file.recognised.source.name
    return result


def _recognise(path: Path, data: bytes, first: Sheet, config: Config) -> tuple[Sheet, Recognised]:
    """Recognise the source on the first sheet, else on a sheet the configuration names for a source (an
    explanation sheet often comes first); the first sheet's reason when none is recognised."""
    try:
        return first, recognise(first, config, path.name)
    except DeliveryRejected as on_first:
        named = {m.sheet for m in config.sources.values() if m.sheet and m.sheet != first.name}
        for name in sorted(named) if path.suffix.lower() == ".xlsx" else []:
            try:
                sheet = parse_sheet(data, path.suffix, sheet=name, **read_limits(config))
                return sheet, recognise(sheet, config, path.name)
            except DeliveryRejected:
                continue
        raise on_first


OUTSIDE_CAUSES = ("size", "configuration", "load")


def refusal_context(engine: Engine, config: Config, cause: str) -> str | None:
    """The state of what caused a refusal outside the file; a refused file is tried again when it changes."""
    if cause == "size":
        return f"max_file_mb={config.max_file_mb:g}"
    if cause == "configuration":
        return hashlib.sha256(config.model_dump_json().encode()).hexdigest()
    if cause == "load":
        with engine.connect() as conn:
            schema = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return f"kansenmonitor {version('kansenmonitor')}, schema {schema}"[:64]
    return None


def _mark_retried(conn, refused_id: int | None, received: dt.datetime) -> None:
    if refused_id is not None:
        conn.execute(update(Delivery).where(Delivery.id == refused_id, Delivery.retried_at.is_(None))
                     .values(retried_at=received))  # a worker trying it at the same moment then hits the index


def _refuse(engine: Engine, config: Config, path: Path, sha: str, received: dt.datetime, retry_of: int | None,
            cause: str, reason: str, status: str = "rejected", source: str | None = None) -> IngestResult:
    """Record a refused file with its reason and cause (and, for a cause outside the file, that cause's state)."""
    context = refusal_context(engine, config, cause)
    try:
        with engine.begin() as conn:
            _mark_retried(conn, retry_of, received)
            conn.execute(insert(Delivery), _ledger_row(
                config, path, sha, received, status=status, source=source, rejection_reason=reason,
                refusal_cause=cause, refusal_context=context, retry_of=retry_of))
    except IntegrityError:
        pass  # another worker recorded this file at the same moment
    return IngestResult(path.name, status, message=reason)
