"""Bring a database to the newest schema; the same migrations serve SQLite and PostgreSQL.

Runs that start together each migrate first. On PostgreSQL they queue on an advisory lock (`migrations/env.py`);
on a SQLite file on a lock file beside it, so the second finds the schema the first created.
"""

import fcntl
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

from kansenmonitor.db import database_url

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str | None = None) -> AlembicConfig:
    config = AlembicConfig(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["url"] = database_url(url)
    return config


@contextmanager
def _one_at_a_time(url: str):
    if not url.startswith("sqlite:///") or url.startswith("sqlite:///:memory:"):
        yield
        return
    lock = Path(url.removeprefix("sqlite:///") + ".migrate-lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def migrate(url: str | None = None) -> None:
    url = database_url(url)
    with _one_at_a_time(url):
        command.upgrade(alembic_config(url), "head")
