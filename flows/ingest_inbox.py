"""Flow: ingest everything waiting in a coalition's inbox, one task per batch of files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress

from flows.hooks import notify_steward
from flows.retries import retry_policy
from kansenmonitor.config import Config, load_config
from kansenmonitor.db import database
from kansenmonitor.migrate import migrate
from reports.validation import write_validation_report
from tasks.ingest.failures import failed_rows
from tasks.ingest.files import IngestResult, ingest_files
from tasks.ingest.inbox import inbox_files
from tasks.ingest.pseudonymise import pseudonym_key


def batch_size() -> int:
    """Files per task run: a task run costs Prefect tens of milliseconds, a small delivery less than that."""
    return max(1, int(os.environ.get("KANSENMONITOR_INGEST_BATCH_FILES", "25")))


@task(name="ingest-files", task_run_name="ingest {paths[0].name} (+{extra} more)", **retry_policy())
def ingest_files_task(config: Config, paths: list[Path], db_url: str | None, demo: bool,
                      extra: int = 0) -> list[IngestResult]:
    """Validated together, each file loaded in its own transaction; a retry after an outage finds the files
    already loaded as duplicates."""
    with database(db_url) as engine:
        return ingest_files(engine, config, paths, pseudonym_key(demo))


def write_steward_report(db_url: str | None, config: Config, results: list[IngestResult], out_dir: Path) -> Path:
    """`validatie.html`: the ingest's files with every failed row of the coalition that they delivered."""
    with database(db_url) as engine:
        failed = failed_rows(engine, config.slug, include_resolved=True)
    return write_validation_report(config, results, failed, out_dir)


def _summary(results: list[IngestResult]) -> str:
    lines = ["| bestand | bron | status | gelezen | geladen | in quarantaine | melding |",
             "| --- | --- | --- | ---: | ---: | ---: | --- |"]
    lines += [f"| {r.file} | {r.source or '-'} | {r.status} | {r.rows_read} | {r.rows_loaded} | "
              f"{r.rows_quarantined} | {r.message} |" for r in results]
    return "\n".join(lines)


@flow(name="ingest-inbox", log_prints=True, on_failure=[notify_steward], on_crashed=[notify_steward])
def ingest_inbox(config_path: str, inbox: str, db_url: str | None = None, demo: bool = False,
                 out_dir: str | None = None) -> list[IngestResult]:
    """Every file in `inbox` ends loaded, quarantined row by row, recognised as already delivered, or rejected.

    With `out_dir`, the steward's validation report is written there as `validatie.html`.
    """
    logger = get_run_logger()
    migrate(db_url)
    config = load_config(config_path)
    files = inbox_files(Path(inbox), config)
    size = batch_size()
    batches = [files[i:i + size] for i in range(0, len(files), size)]
    results = []
    with Progress(*Progress.get_default_columns(), MofNCompleteColumn(), transient=True,
                  disable=len(files) < 2 or not sys.stderr.isatty(), console=Console(stderr=True)) as progress:
        bar = progress.add_task("Aanleveringen verwerken", total=len(files))
        for batch in batches:
            results += ingest_files_task(config, batch, db_url, demo, len(batch) - 1)
            progress.advance(bar, len(batch))
    for r in results:
        logger.info("%s: %s (%s gelezen, %s geladen, %s in quarantaine) %s", r.file, r.status, r.rows_read,
                    r.rows_loaded, r.rows_quarantined, r.message)
    create_markdown_artifact(markdown=f"# Validatie van de aanleveringen\n\n{_summary(results)}",
                             key=f"validatie-{config.slug}", description="Validatie per bestand")
    create_table_artifact(table=[r.__dict__ for r in results], key=f"aanleveringen-{config.slug}")
    if out_dir:
        logger.info("validatierapport: %s", write_steward_report(db_url, config, results, Path(out_dir)))
    return results
