"""The load stage's yardsticks on the same attendance rows: psql's `\\copy` from CSV (the raw limit; the median
of three runs, each into a new empty copy of the table with the same indexes; and the same with the table's
foreign keys too), our COPY stream on its own, and pandas `to_sql` at its defaults."""

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

SAMPLE = 500_000  # rows; enough to measure, small enough to hold in memory for to_sql
# id and superseded_by are left to their defaults
COLUMNS = [c.name for c in Attendance.__table__.columns if c.name not in ("id", "superseded_by")]


def _empty_copy(conn, name: str, foreign_keys: bool = False) -> None:
    """An empty table like attendance with its indexes; with `foreign_keys` also its references to the ledger,
    which COPY checks row by row as the load's does (`LIKE` copies no foreign keys)."""
    conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
    conn.execute(text(f"CREATE TABLE {name} (LIKE attendance INCLUDING ALL)"))
    for column in ("delivery_id", "superseded_by") if foreign_keys else ():
        conn.execute(text(f"ALTER TABLE {name} ADD FOREIGN KEY ({column}) REFERENCES delivery (id)"))


def _psql(url: str, command: str) -> None:
    parts = make_url(url)
    subprocess.run(["psql", "-q", "-h", parts.host, "-p", str(parts.port or 5432), "-U", parts.username,
                    "-d", parts.database, "-v", "ON_ERROR_STOP=1", "-c", command], check=True)


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
        raw, raw_keyed = [], []
        for _ in range(3):  # taking turns, so the neighbours' load falls on both alike
            for runs, foreign_keys in ((raw, False), (raw_keyed, True)):
                with engine.begin() as conn:
                    _empty_copy(conn, "bench_raw", foreign_keys)
                start = time.perf_counter()
                _psql(url, f"\\copy bench_raw ({columns}) FROM '{csv_path}' CSV")
                runs.append(time.perf_counter() - start)
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
            "raw_copy_foreign_keys": rows / statistics.median(raw_keyed), "copy_stream": rows / stream,
            "to_sql": rows / to_sql}
