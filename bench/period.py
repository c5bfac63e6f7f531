"""Closing the period at scale: every coalition's indicators, and one coalition's reports rendered."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from flows.close_period import make_reports
from kansenmonitor.db import database
from kansenmonitor.periods import parse_period
from tasks.indicators.compute import compute_indicators, store_indicators

PERIOD = "2024-2025-H1"


def analyze(url: str) -> None:
    """Fresh planner statistics for the fact tables, so the marts are planned on what was loaded."""
    with database(url) as engine, engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def indicators(url: str, jobs) -> tuple[float, int]:
    """Seconds to compute (not store) every coalition's indicators, and how many rows they gave."""
    seconds, count = 0.0, 0
    with database(url) as engine:
        for _, config, _ in jobs:
            period = parse_period(PERIOD, config)
            start = time.perf_counter()
            rows = compute_indicators(engine, config, period)
            seconds += time.perf_counter() - start
            store_indicators(engine, config, rows)
            count += len(rows)
    return seconds, count


def reports(url: str, jobs) -> tuple[float, float, int]:
    """Seconds for the first coalition's reports (HTML and PDF of every audience), on the clock and in CPU time
    (the clock counts other processes on a shared machine too), and how many reports."""
    _, config, _ = jobs[0]
    with tempfile.TemporaryDirectory() as folder:
        start, cpu = time.perf_counter(), time.process_time()
        built = make_reports(url, config, parse_period(PERIOD, config), Path(folder))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return seconds, cpu, len(built)
