"""Ingesting the generated inboxes three ways: stage by stage, plainly end to end, and through the Prefect flow."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import insert

from kansenmonitor.config import Config, load_config
from kansenmonitor.db import Delivery, make_engine
from kansenmonitor.migrate import migrate
from kansenmonitor.national import coalition_dirs
from tasks.inbox import inbox_files
from tasks.ingest import _ledger_row, checksum
from tasks.load import load
from tasks.pseudonymise import pseudonymise
from tasks.read import read_sheet
from tasks.recognise import recognise
from tasks.validate import validate

KEY = b"bench-key-not-secret"
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
    """Each stage timed on its own, over every file; the load stage in the same transaction ingest uses."""
    migrate(url)
    engine = make_engine(url)
    stages, load_seconds, load_rows = Stages(), defaultdict(float), defaultdict(int)
    for _, config, files in jobs:
        for path in files:
            start = time.perf_counter()
            sheet = read_sheet(path, max_bytes=int(config.max_file_mb * 1_000_000))
            recognised = recognise(sheet, config, path.name)
            parsed = time.perf_counter()
            validated = validate(sheet, recognised, config, KEY, RECEIVED.date())
            checked = time.perf_counter()
            pupils = _pupil_columns(sheet, recognised)
            hashed = time.perf_counter()
            if pupils is not None:
                pseudonymise(*pupils, KEY)
            hashed = time.perf_counter() - hashed
            ledger = _ledger_row(config, path, checksum(path), RECEIVED, source=recognised.source.name,
                                 sheet=sheet.name, status="loaded")
            loading = time.perf_counter()
            with engine.begin() as conn:
                delivery_id = conn.execute(insert(Delivery).returning(Delivery.id), ledger).scalar_one()
                delivery = load(conn, config, validated, Delivery(id=delivery_id, file_name=path.name,
                                                                  coalition=config.slug))
            loaded = time.perf_counter()
            stages.seconds["parse"] += parsed - start
            stages.seconds["validate"] += checked - parsed - hashed
            stages.seconds["pseudonymise"] += hashed
            stages.seconds["load"] += loaded - loading
            stages.rows["parse"] += validated.rows_read
            stages.rows["validate"] += validated.rows_read
            stages.rows["pseudonymise"] += 0 if pupils is None else len(pupils[1])
            stages.rows["load"] += delivery.rows_loaded
            load_seconds[recognised.source.name] += loaded - loading
            load_rows[recognised.source.name] += delivery.rows_loaded
            stages.files += 1
    stages.load_by_source = {s: (load_seconds[s], load_rows[s]) for s in load_seconds}
    engine.dispose()
    return stages


def plainly(url: str, jobs) -> tuple[float, int]:
    """What the ingest flow does, minus Prefect: its task's function called for every batch of files."""
    from flows.ingest_inbox import batch_size, ingest_files_task

    start = time.perf_counter()
    rows = 0
    for config_path, config, _ in jobs:
        migrate(url)
        files, size = inbox_files(config_path.parent / "inbox", config), batch_size()
        for i in range(0, len(files), size):
            rows += sum(r.rows_read for r in ingest_files_task.fn(str(config_path), files[i:i + size], url, False))
    return time.perf_counter() - start, rows


def through_prefect(url: str, jobs) -> float:
    """The ingest flow, once per coalition, on the same files; the Prefect API is started beforehand."""
    from prefect import flow

    from flows.ingest_inbox import ingest_inbox

    flow(name="bench-warm-up")(lambda: None)()
    start = time.perf_counter()
    for config_path, _, _ in jobs:
        ingest_inbox(str(config_path), str(config_path.parent / "inbox"), url)
    return time.perf_counter() - start
