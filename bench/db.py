"""A fresh PostgreSQL database per measurement, so no run measures another's leftovers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from kansenmonitor.settings import settings

ADMIN_URL = settings().bench_pg


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database; dropped afterwards."""
    name = f"km_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
