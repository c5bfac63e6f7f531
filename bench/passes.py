"""Ingesting the generated inboxes three ways: stage by stage, plainly end to end, and through the Prefect flow."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kansenmonitor.config import Config, load_config
from kansenmonitor.db import make_engine
from kansenmonitor.migrate import migrate
from sampledata.national import coalition_dirs
from tasks.ingest.files import ORDER, _ledger_row, batch_size
from tasks.ingest.inbox import inbox_files
from tasks.ingest.load import load
from tasks.ingest.pseudonymise import pseudonymise
from tasks.ingest.read import parse_sheet, read_file, read_limits
from tasks.ingest.recognise import recognise
from tasks.ingest.validate import validate_many

KEY = b"bench-key-not-secret-but-32-bytes-long"
RECEIVED = dt.datetime(2025, 1, 6, 9, 0)


@dataclass
class Stages:
    """Seconds and rows per stage; `load_by_source` splits the load stage by source."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    load_by_source: dict[str, tuple[float, int]] = field(default_factory=dict)
    files: int = 0


def inboxes(root: Path) -> list[tuple[Path, Config, list[Path]]]:
    """Every coalition's configuration path, configuration and files in load order."""
    found = []
    for home in coalition_dirs(root):
        config = load_config(home / "config.yaml")
        found.append((home / "config.yaml", config, inbox_files(home / "inbox", config)))
    return found


def _pupil_columns(sheet, recognised) -> tuple[pd.Series, pd.Series] | None:
    positions = {name: pos for pos, name in recognised.columns.items()}
    if "pupil" not in positions:
        return None
    body = sheet.rows[recognised.header_index + 1:]
    return (pd.Series([r[positions["school"]] for r in body]), pd.Series([r[positions["pupil"]] for r in body]))


def by_stage(url: str, jobs) -> Stages:
    """Each stage timed on its own, as ingest runs them: every file read and recognised once, then batch by
    batch in source order validated and loaded, in the same transaction per file that ingest uses."""
    migrate(url)
    engine = make_engine(url)
    stages, load_seconds, load_rows = Stages(), defaultdict(float), defaultdict(int)
    for _, config, files in jobs:
        start = time.perf_counter()
        contents = [read_file(path) for path in files]
        read = [parse_sheet(c.data, path.suffix, **read_limits(config)) for c, path in zip(contents, files)]
        recognised = [recognise(sheet, config, path.name) for sheet, path in zip(read, files)]
        stages.seconds["parse"] += time.perf_counter() - start
        order = sorted(range(len(files)), key=lambda i: ORDER[recognised[i].source.name])
        for first in range(0, len(order), batch_size()):
            batch = order[first:first + batch_size()]
            start = time.perf_counter()
            validated = validate_many([(read[i], recognised[i]) for i in batch], config, KEY, RECEIVED.date())
            checked = time.perf_counter() - start
            start = time.perf_counter()
            pupils = [p for p in (_pupil_columns(read[i], recognised[i]) for i in batch) if p is not None]
            for columns in pupils:
                pseudonymise(*columns, KEY)
            hashed = time.perf_counter() - start
            stages.seconds["validate"] += checked - hashed
            stages.seconds["pseudonymise"] += hashed
            stages.rows["pseudonymise"] += sum(len(columns[1]) for columns in pupils)
            for i, result in zip(batch, validated):
                path, found = files[i], recognised[i]
                ledger = _ledger_row(config, path, contents[i].sha256, RECEIVED, source=found.source.name,
                                     sheet=read[i].name, status="loaded")
                loading = time.perf_counter()
                with engine.begin() as conn:
                    delivery = load(conn, config, result, ledger)
                loaded = time.perf_counter() - loading
                stages.seconds["load"] += loaded
                for stage in ("parse", "validate"):
                    stages.rows[stage] += result.rows_read
                stages.rows["load"] += delivery.rows_loaded
                load_seconds[found.source.name] += loaded
                load_rows[found.source.name] += delivery.rows_loaded
                stages.files += 1
    stages.load_by_source = {s: (load_seconds[s], load_rows[s]) for s in load_seconds}
    engine.dispose()
    return stages


def _ingest_coalition(url: str, config_path: Path) -> tuple[float, int]:
    """One coalition's inbox as the ingest flow's task function takes it."""
    from flows.ingest_inbox import ingest_files_task

    start = time.perf_counter()
    config = load_config(config_path)
    files = inbox_files(config_path.parent / "inbox", config)
    rows = sum(r.rows_read for r in ingest_files_task.fn(config, files, url, False))
    return time.perf_counter() - start, rows


def plainly(url: str, jobs, workers: int = 1) -> tuple[float, int, dict[Path, float]]:
    """What the ingest flow does, minus Prefect: wall seconds, rows, and seconds per coalition. With `workers`,
    coalitions run in that many processes at once, as the ingest-all parent runs them on a work pool."""
    migrate(url)
    start = time.perf_counter()
    paths = [config_path for config_path, _, _ in jobs]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            done = list(pool.map(_ingest_coalition, [url] * len(paths), paths))
    else:
        done = [_ingest_coalition(url, path) for path in paths]
    seconds = time.perf_counter() - start
    return seconds, sum(rows for _, rows in done), {path: s for path, (s, _) in zip(paths, done)}


def through_prefect(url: str, jobs) -> float:
    """The ingest flow, once per coalition, on the same files; the Prefect API is started beforehand."""
    from prefect import flow

    from flows.ingest_inbox import ingest_inbox

    flow(name="bench-warm-up")(lambda: None)()
    start = time.perf_counter()
    for config_path, _, _ in jobs:
        ingest_inbox(str(config_path), str(config_path.parent / "inbox"), url)
    return time.perf_counter() - start
