"""`python -m bench.load_cpu --scale S [--data DIR]`: the load stage's CPU seconds, in Python and in PostgreSQL.

The country at scale S (default 0.01; written to DIR, or generated into a temporary folder) is read and validated
first, untimed; then each batch is loaded as `by_stage` loads it (`load_many` in one transaction with the cycle
collector paused, then `analyze_grown`) on a new database. The process's CPU is `time.process_time`; the server's
is read from `/proc/<pid>/stat` of the database's client backends, so the server must run on this machine. On a
shared machine CPU seconds are steadier than the clock: run it from two checkouts taking turns to compare them.
Prints `name: value` lines; `digest` is a hash of every table's rows, sorted, to show two checkouts loaded alike.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KANSENMONITOR_PSEUDONYM_KEY", "bench-key-not-secret-but-32-bytes-long")
os.environ.setdefault("KANSENMONITOR_INBOX_SETTLE_SECONDS", "0")

from sqlalchemy import create_engine, text  # noqa: E402

from bench.db import bench_server, fresh_database  # noqa: E402
from bench.passes import KEY, RECEIVED, inboxes  # noqa: E402
from kansenmonitor.db import make_engine  # noqa: E402
from kansenmonitor.migrate import migrate  # noqa: E402
from kansenmonitor.settings import settings  # noqa: E402
from sampledata.national import generate  # noqa: E402
from tasks.ingest.files import ORDER, _cycles_uncollected, _ledger_row, batch_size  # noqa: E402
from tasks.ingest.load import analyze_grown, load_many  # noqa: E402
from tasks.ingest.read import parse_sheet, read_file, read_limits  # noqa: E402
from tasks.ingest.recognise import recognise  # noqa: E402
from tasks.ingest.validate import validate_many  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
BACKENDS = "SELECT pid FROM pg_stat_activity WHERE datname = :name AND backend_type = 'client backend'"


def _backends_cpu(admin, name: str) -> dict[int, float]:
    """CPU seconds so far of each client backend of database `name`."""
    seconds = {}
    for pid in admin.execute(text(BACKENDS), {"name": name}).scalars():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return seconds


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _batches(data: Path) -> list:
    """Every coalition's files read, recognised and validated in load order, batch by batch."""
    batches = []
    for _, config, files in inboxes(data):
        contents = [read_file(path) for path in files]
        sheets = [parse_sheet(c.data, path.suffix, **read_limits(config)) for c, path in zip(contents, files)]
        found = [recognise(sheet, config, path.name) for sheet, path in zip(sheets, files)]
        order = sorted(range(len(files)), key=lambda i: ORDER[found[i].source.name])
        for first in range(0, len(order), batch_size()):
            batch = order[first:first + batch_size()]
            validated = validate_many([(sheets[i], found[i]) for i in batch], config, KEY, RECEIVED.date())
            ledgers = [_ledger_row(config, files[i], contents[i].sha256, RECEIVED, source=found[i].source.name,
                                   sheet=sheets[i].name, status="loaded") for i in batch]
            batches.append((config, list(zip(validated, ledgers)), {found[i].source.name for i in batch}))
    return batches


def _digest(engine) -> str:
    tables = hashlib.sha256()
    with engine.connect() as conn:
        for table in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename "
                                       "<> 'alembic_version' ORDER BY 1")).scalars().all():
            tables.update(repr(sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{table}"'))))).encode())
    return tables.hexdigest()[:16]


def measure(data: Path) -> dict[str, float | str]:
    """The load stage's CPU seconds on a new database: Python, and the server's for the load and for `ANALYZE`."""
    batches = _batches(data)
    growth = settings().analyze_growth
    spent = dict.fromkeys(("python_s", "server_load_s", "server_analyze_s"), 0.0)
    admin_engine = create_engine(settings().bench_pg, isolation_level="AUTOCOMMIT")
    with fresh_database() as url, admin_engine.connect() as admin:
        migrate(url)
        name = url.rsplit("/", 1)[1]
        engine = make_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))  # the backend the load will use, started before the clock
        for config, deliveries, sources in batches:
            start, python = _backends_cpu(admin, name), time.process_time()
            with _cycles_uncollected(), engine.begin() as conn:
                load_many(conn, config, deliveries)
            loaded = _backends_cpu(admin, name)
            with engine.begin() as conn:
                analyze_grown(conn, sources, growth)
            spent["python_s"] += time.process_time() - python
            spent["server_load_s"] += _spent(start, loaded)
            spent["server_analyze_s"] += _spent(loaded, _backends_cpu(admin, name))
        digest = _digest(engine)
        engine.dispose()
    admin_engine.dispose()
    return spent | {"cpu_s": sum(spent.values()), "digest": digest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--data", type=Path, help="the country written here before (`sampledata.national`)")
    args = parser.parse_args()
    with bench_server(), tempfile.TemporaryDirectory() as folder:
        data = args.data or Path(folder)
        if not args.data:
            generate(data, args.scale, workers=2)
        for name, value in measure(data).items():
            print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}", flush=True)


if __name__ == "__main__":
    main()
