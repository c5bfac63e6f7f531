"""Ingesting the generated inboxes three ways: stage by stage, plainly end to end, and through the Prefect flow."""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kansenmonitor.config import Config, load_config
from kansenmonitor.db import make_engine
from kansenmonitor.migrate import migrate
from kansenmonitor.settings import settings
from sampledata.national import coalition_dirs
from tasks.ingest.files import ORDER, _cycles_uncollected, _ledger_row, batch_size
from tasks.ingest.inbox import inbox_files
from tasks.ingest.load import analyze_grown, load_many
from tasks.ingest.pseudonymise import pseudonymise
from tasks.ingest.read import parse_sheet, read_file, read_limits
from tasks.ingest.recognise import recognise
from tasks.ingest.validate import validate_many

ROOT = Path(__file__).resolve().parents[1]  # the project folder, a deployment's working directory

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
    batch in source order validated and loaded, in the one transaction per batch that ingest uses (and the
    ANALYZE after it)."""
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
        size, growth = batch_size(), settings().analyze_growth
        for first in range(0, len(order), size):
            batch = order[first:first + size]
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
            ledgers = [_ledger_row(config, files[i], contents[i].sha256, RECEIVED, source=recognised[i].source.name,
                                   sheet=read[i].name, status="loaded") for i in batch]
            sources = [recognised[i].source.name for i in batch]
            start = time.perf_counter()
            with _cycles_uncollected(), engine.begin() as conn:  # as ingest loads a batch: in one transaction,
                deliveries = load_many(conn, config, list(zip(validated, ledgers)))  # the cycle collector paused
            with engine.begin() as conn:
                analyze_grown(conn, set(sources), growth)
            seconds = time.perf_counter() - start
            stages.seconds["load"] += seconds
            for source, result, delivery in zip(sources, validated, deliveries):
                for stage in ("parse", "validate"):
                    stages.rows[stage] += result.rows_read
                stages.rows["load"] += delivery.rows_loaded
                # the files are written together: the batch's seconds shared out by rows
                load_seconds[source] += seconds * delivery.rows_read / max(sum(r.rows_read for r in validated), 1)
                load_rows[source] += delivery.rows_loaded
                stages.files += 1
    stages.load_by_source = {s: (load_seconds[s], load_rows[s]) for s in load_seconds}
    engine.dispose()
    return stages


def _ingest_coalition(url: str, config_path: Path) -> tuple[float, int]:
    """One coalition's inbox as the ingest flow takes it, minus Prefect."""
    from flows.ingest_inbox import ingest_inbox_files

    start = time.perf_counter()
    config = load_config(config_path)
    files = inbox_files(config_path.parent / "inbox", config)
    rows = sum(r.rows_read for r in ingest_inbox_files(config, files, url, False))
    return time.perf_counter() - start, rows


def _warm_worker(warm_up: Path, ready) -> None:
    """Each worker process, before the clock: one coalition ingested into a scratch database of its own, so that
    every process has paid its first SQLAlchemy statement compilations and pandera schema building (as a
    worker that ingested before has), then waits until all the others have too."""
    from bench.db import fresh_database

    with fresh_database() as scratch:
        migrate(scratch)
        _ingest_coalition(scratch, warm_up)
    ready.wait(timeout=600)


@contextmanager
def warm_workers(count: int, warm_up: Path) -> Iterator[ProcessPoolExecutor]:
    """`count` worker processes, started and warmed up on the `warm_up` coalition, as a work pool's are running.
    Each is a new interpreter (spawned, not forked), so none inherits the bench's large heap."""
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Barrier(count)
    with ProcessPoolExecutor(count, mp_context=spawn, initializer=_warm_worker, initargs=(warm_up, ready)) as pool:
        list(pool.map(time.sleep, [0.1] * count))
        yield pool


def cpu_jiffies() -> tuple[int, int]:
    """The machine's busy and idle CPU time so far, in clock ticks, from /proc/stat (Linux): whether a pass had
    free cores, or measured its neighbours."""
    with open("/proc/stat") as stat:
        user, nice, system, idle, iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
    return user + nice + system + irq + softirq + steal, idle + iowait


def plainly(url: str, jobs, pool: ProcessPoolExecutor, one_at_a_time: bool = False) -> tuple[float, int]:
    """What the ingest flow does, minus Prefect: wall seconds and rows. The coalitions run on the pool's warm
    processes, as many at once as it has (as the ingest-all parent runs them on a work pool), or one after
    another."""
    migrate(url)
    paths = [config_path for config_path, _, _ in jobs]
    start = time.perf_counter()
    if one_at_a_time:
        done = [pool.submit(_ingest_coalition, url, path).result() for path in paths]
    else:
        done = list(pool.map(_ingest_coalition, [url] * len(paths), paths))
    return time.perf_counter() - start, sum(rows for _, rows in done)


def _in_own_process(url: str, config_path: Path) -> None:
    """One coalition as a process work pool runs a child of `ingest-all`: its flow run created first (by the
    parent, through the deployment), then a new interpreter that runs it with Prefect's engine
    (`python -m prefect.engine <id>`, the flow loaded from the deployment's entrypoint) and exits."""
    from prefect import get_client

    from flows.ingest_inbox import ingest_inbox

    with get_client(sync_client=True) as client:
        run = client.create_flow_run(ingest_inbox, parameters={
            "config_path": str(config_path), "inbox": str(config_path.parent / "inbox"), "db_url": url,
            "migrated": True})
        env = {**os.environ, "PREFECT_API_URL": str(client.api_url),
               "PREFECT__FLOW_ENTRYPOINT": "flows/ingest_inbox.py:ingest_inbox"}
    subprocess.run([sys.executable, "-m", "prefect.engine", str(run.id)], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def through_prefect(flow_url: str, plain_url: str, process_url: str, paths: list[Path],
                    warm_up: Path) -> dict[str, float]:
    """Seconds of the ingest flow and of the same task function run plainly, for the coalitions of `paths` (their
    configurations) one after another in one process: a worker's, as the bench's own has grown large; and of the
    flow run in a process of its own, as a process work pool runs it. Each way has its own database, migrated
    beforehand as the `ingest-all` parent does for its children; the in-process ways are warmed up on `warm_up`
    first (which also starts the Prefect API), then all take turns per coalition, which goes first rotating, so
    that the neighbours' load on a shared machine falls on all alike."""
    from flows.ingest_inbox import ingest_inbox

    for url in (flow_url, plain_url, process_url):
        migrate(url)
    ways = {"flow": lambda path: asyncio.run(ingest_inbox(str(path), str(path.parent / "inbox"), flow_url,
                                                          migrated=True)),
            "plain": lambda path: _ingest_coalition(plain_url, path),
            "process": lambda path: _in_own_process(process_url, path)}
    ways["flow"](warm_up)
    ways["plain"](warm_up)
    seconds = dict.fromkeys(ways, 0.0)
    order = list(ways)
    for turn, path in enumerate(paths):
        for name in order[turn % 3:] + order[:turn % 3]:
            start = time.perf_counter()
            ways[name](path)
            seconds[name] += time.perf_counter() - start
    return seconds
