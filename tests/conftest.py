"""Shared fixtures: a fresh real database per test, on PostgreSQL and on SQLite."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kansenmonitor.config import load_config
from kansenmonitor.db import make_engine
from kansenmonitor.migrate import migrate

pytest_plugins = ["tests.smtp"]  # the smtp_server fixture

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("KANSENMONITOR_PSEUDONYM_KEY", "test-key-not-secret")
# Test runs keep their own Prefect state and wait fractions of a second between retries.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="prefect-home-")
os.environ.setdefault("KANSENMONITOR_RETRY_SECONDS", "0.2")

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("KANSENMONITOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_url():
    """A new, empty PostgreSQL database, dropped afterwards."""
    name = f"km_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
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
