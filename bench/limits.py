"""The load stage's yardsticks on the same attendance rows: psql's `\\copy` from CSV (the raw limit; the median
of three runs, each into a new empty copy of the table with the same indexes; and the same into attendance itself,
with what its own triggers do for every COPY, rolled back), our COPY stream on its own, and pandas `to_sql` at its
defaults."""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import MetaData, text
from sqlalchemy.engine import make_url

from kansenmonitor.db import Attendance, make_engine
from tasks.ingest.copy_load import copy_rows
from tests.postgres import psql

SAMPLE = 500_000  # rows; enough to measure, small enough to hold in memory for to_sql
# id and superseded_by are left to their defaults
COLUMNS = [c.name for c in Attendance.__table__.columns if c.name not in ("id", "superseded_by")]


def _empty_copy(conn, name: str) -> None:
    """An empty table like attendance with its indexes (`LIKE` copies no triggers)."""
    conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
    conn.execute(text(f"CREATE TABLE {name} (LIKE attendance INCLUDING ALL)"))


def _psql(url: str, *commands: str) -> None:
    """`commands` in one psql session, in order."""
    parts = make_url(url)
    subprocess.run([psql(), "-q", "-h", parts.host, "-p", str(parts.port or 5432), "-U", parts.username,
                    "-d", parts.database, "-v", "ON_ERROR_STOP=1", *[part for c in commands for part in ("-c", c)]],
                   check=True)


def yardsticks(url: str) -> dict[str, float]:
    """Rows per second of each way of writing the same (at most SAMPLE) attendance rows."""
    engine = make_engine(url)
    columns = ", ".join(COLUMNS)
    sample = f"SELECT {columns} FROM attendance ORDER BY id LIMIT {SAMPLE}"
    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "attendance.csv"
        _psql(url, f"\\copy ({sample}) TO '{csv_path}' CSV")
        with engine.begin() as conn:
            for name in ("bench_copy", "bench_to_sql"):
                _empty_copy(conn, name)
            frame = pd.read_sql(text(sample), conn)
        rows = len(frame)
        raw, into_attendance = [], []
        for _ in range(3):  # taking turns, so the neighbours' load falls on both alike
            with engine.begin() as conn:
                _empty_copy(conn, "bench_raw")
            start = time.perf_counter()
            _psql(url, f"\\copy bench_raw ({columns}) FROM '{csv_path}' CSV")
            raw.append(time.perf_counter() - start)
            # attendance as the load's COPY finds it: its indexes, the ledger check and the count per child of its
            # triggers (migrations 0009, 0010), the rows the load left in it; nothing kept
            start = time.perf_counter()
            _psql(url, "BEGIN", f"\\copy attendance ({columns}) FROM '{csv_path}' CSV", "ROLLBACK")
            into_attendance.append(time.perf_counter() - start)
    values = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
    start = time.perf_counter()
    with engine.begin() as conn:
        copy_rows(conn, Attendance.__table__.to_metadata(MetaData(), name="bench_copy"),
                  COLUMNS, values)
    stream = time.perf_counter() - start
    start = time.perf_counter()
    frame.to_sql("bench_to_sql", engine, if_exists="append", index=False)
    to_sql = time.perf_counter() - start
    engine.dispose()
    return {"rows": rows, "raw_copy": rows / statistics.median(raw),
            "raw_copy_attendance": rows / statistics.median(into_attendance), "copy_stream": rows / stream,
            "to_sql": rows / to_sql}
