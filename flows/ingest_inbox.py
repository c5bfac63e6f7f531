"""Flow: ingest everything waiting in a coalition's inbox in one task: each file is read once, and what it is
decides when it is loaded (see `tasks.ingest.files.ingest_files`)."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress

from flows.artifacts import delivery_table, markdown_table
from flows.hooks import notify_steward
from flows.retries import with_retries
from kansenmonitor.config import Config, load_config
from kansenmonitor.db import database
from kansenmonitor.dutch import DELIVERY_STATUS
from kansenmonitor.migrate import migrate
from reports.validation import write_validation_report
from tasks.ingest.failures import failed_rows
from tasks.ingest.files import IngestResult, ingest_files
from tasks.ingest.inbox import scan_inbox
from tasks.ingest.pseudonymise import pseudonym_key


def ingest_inbox_files(config: Config, paths: list[Path], db_url: str | None, demo: bool,
                       progress: Callable[[int], None] | None = None) -> list[IngestResult]:
    """Validated and loaded per batch, a transaction per batch (should a file fail to load: each file on its
    own). In the flow it is retried after an outage (`with_retries`), and a retry finds the files already
    loaded as duplicates."""
    with database(db_url) as engine:
        return ingest_files(engine, config, paths, pseudonym_key(demo), progress=progress)


def write_steward_report(db_url: str | None, config: Config, results: list[IngestResult], out_dir: Path) -> Path:
    """`validatie.html`: the ingest's files with every failed row of the coalition that they delivered."""
    with database(db_url) as engine:
        failed = failed_rows(engine, config.slug, include_resolved=True)
    return write_validation_report(config, results, failed, out_dir)


def log_results(logger, results: list[IngestResult]) -> None:
    """One line for the inbox, and one per file that needs a look (not loaded whole, or with a message). Every
    file is in the run's artifacts and the validation report anyway; a line per clean file cost about 1 ms
    each (console and API), 85 ms for the 85 files of a coalition's half-year."""
    counted = Counter(r.status for r in results)
    logger.info("%s bestanden: %s", len(results),
                ", ".join(f"{counted[status]} {word}" for status, word in DELIVERY_STATUS.items() if counted[status])
                or "geen")
    for r in results:
        if r.status != "loaded" or r.rows_quarantined or r.message:
            logger.info("%s: %s (%s gelezen, %s geladen, %s in quarantaine) %s", r.file, DELIVERY_STATUS[r.status],
                        r.rows_read, r.rows_loaded, r.rows_quarantined, r.message)


@flow(name="ingest-inbox", log_prints=True, on_failure=[notify_steward], on_crashed=[notify_steward])
async def ingest_inbox(config_path: str, inbox: str, db_url: str | None = None, demo: bool = False,
                       out_dir: str | None = None, settle_seconds: float | None = None,
                       migrated: bool = False) -> list[IngestResult]:
    """Every file in `inbox` ends loaded, quarantined row by row, recognised as already delivered, rejected or
    unsupported (with a ledger row saying why), or skipped for now with the reason (still being written, temporary,
    a link or device).

    With `out_dir`, the steward's validation report is written there as `validatie.html`; `settle_seconds`
    overrides how long a file must be unchanged before it is read (the demo reads the files it just wrote).
    `migrated`: the caller (the `ingest-all` parent) brought the database to the newest schema just before, so
    the run does not check it again (Alembic, 0.06 s in a warm process; and children starting together would
    queue on the migration lock).

    Async only for Prefect's sake, the work inside is synchronous (call it with `asyncio.run`): Prefect 3.8's
    engine for a sync flow waits at the end of every run for its heartbeat thread, which sleeps in one-second
    steps (0-1 s, 0.5 on average, as much as a coalition's whole ingest at a small scale); for an async flow
    it lets the thread end by itself. The heartbeats are sent all the same.
    """
    logger = get_run_logger()
    if not migrated:
        migrate(db_url)
    config = load_config(config_path)
    found = scan_inbox(Path(inbox), config, settle_seconds)
    files = found.files
    results = []
    with Progress(*Progress.get_default_columns(), MofNCompleteColumn(), transient=True,
                  disable=len(files) < 2 or not sys.stderr.isatty(), console=Console(stderr=True)) as progress:
        bar = progress.add_task("Aanleveringen verwerken", total=len(files))
        if files:
            results += with_retries(lambda: ingest_inbox_files(config, files, db_url, demo,
                                                               lambda done: progress.advance(bar, done)),
                                    logger, "de inbox in te lezen")
    results += [IngestResult(path.name, "skipped", message=reason) for path, reason in found.skipped]
    log_results(logger, results)
    table = delivery_table(results)
    await acreate_markdown_artifact(markdown=f"# Validatie van de aanleveringen\n\n{markdown_table(table)}",
                                    key=f"validatie-{config.slug}", description="Validatie per bestand")
    await acreate_table_artifact(table=table, key=f"aanleveringen-{config.slug}",
                                 description="Aanleveringen per bestand")
    if out_dir:
        logger.info("validatierapport: %s", write_steward_report(db_url, config, results, Path(out_dir)))
    return results
