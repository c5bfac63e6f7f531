"""Nothing is lost or doubled under faults: a killed process, an unreachable database, two workers at once."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from flows.retries import RETRIES
from kansenmonitor.db import Attendance, Delivery, QuarantinedRow, make_engine
from kansenmonitor.migrate import migrate
from tasks.ingest.files import DatabaseUnavailable, ingest_file
from tests.conftest import ROOT
from tests.deliveries import attendance, planning, present, session, write_csv

KEY = b"test-key-not-secret"  # the key conftest puts in the environment, so subprocesses share it
CONFIG = ROOT / "config" / "borger-odoorn.yaml"
DATES = [dt.date(2024, 9, 2) + dt.timedelta(days=d) for d in range(60)]
WORKER = """
import json, pathlib, sys, time
from kansenmonitor.config import load_config
from kansenmonitor.db import make_engine
from tasks.ingest.inbox import inbox_files
from tasks.ingest.files import ingest_files
url, config_path, inbox, go = sys.argv[1:]
config, engine = load_config(config_path), make_engine(url)
files = inbox_files(pathlib.Path(inbox), config)
while not pathlib.Path(go).exists():
    time.sleep(0.005)
print(json.dumps([result.__dict__ for result in ingest_files(engine, config, files, b"test-key-not-secret")]))
"""


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(m)).scalar()
                     for m in (Delivery, Attendance, QuarantinedRow))


def big_inbox(folder, pupils: int):
    """A planning of 60 sessions and an attendance file of 60 x `pupils` rows."""
    folder.mkdir(exist_ok=True)
    days = [f"{d:%d-%m-%Y}" for d in DATES]
    write_csv(folder / "planning.csv", planning(*[session(date=d) for d in days]))
    rows = [present(str(100000 + p), date=d) for d in days for p in range(pupils)]
    return folder / "planning.csv", write_csv(folder / "aanwezigheid.csv", attendance(*rows))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _python(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_process_killed_mid_load_leaves_nothing_and_the_next_run_loads_once(pg_url, backpack, tmp_path):
    migrate(pg_url)
    engine = make_engine(pg_url)
    plan, register = big_inbox(tmp_path / "inbox", pupils=100)
    ingest_file(engine, backpack, plan, KEY)
    before = counts(engine)
    worker = _python(WORKER, f"{pg_url}?application_name=km-killed", str(CONFIG), str(register.parent),
                     str(tmp_path / "inbox"))
    mid_insert = text("SELECT pid FROM pg_stat_activity WHERE application_name = 'km-killed' "
                      "AND xact_start IS NOT NULL AND (query ILIKE 'INSERT INTO attendance%' "
                      "OR query ILIKE 'COPY attendance%')")
    caught = None
    with engine.connect() as conn:
        while caught is None and worker.poll() is None:
            caught = conn.execute(mid_insert).scalar()
            conn.commit()
            time.sleep(0.002)
        assert caught, f"ingestion ended before it could be killed: {worker.communicate()}"
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(10) == -signal.SIGKILL
        deadline = time.monotonic() + 10
        while conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": caught}).scalar():
            assert time.monotonic() < deadline, "PostgreSQL kept the killed process's transaction open"
            conn.commit()
            time.sleep(0.05)
    assert counts(engine) == before == (1, 0, 0)

    again = ingest_file(engine, backpack, register, KEY)
    assert (again.status, again.rows_read, again.rows_loaded) == ("loaded", 6000, 6000)
    assert ingest_file(engine, backpack, register, KEY).status == "duplicate"
    assert counts(engine) == (2, 6000, 0)
    engine.dispose()


def test_two_workers_on_one_inbox_load_every_file_once(engine, db_url, tmp_path):
    inbox = tmp_path / "inbox"
    big_inbox(inbox, pupils=40)
    write_csv(inbox / "kapot.csv", [["Geen", "Bekende", "Kolommen"], ["1", "2", "3"]])
    go = tmp_path / "go"
    workers = [_python(WORKER, db_url, str(CONFIG), str(inbox), str(go)) for _ in range(2)]
    time.sleep(3)  # both have imported everything and wait at the start line
    go.touch()
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    results = [{r["file"]: r["status"] for r in json.loads(out)} for out, _ in outputs]
    for name in ("planning.csv", "aanwezigheid.csv"):
        assert sorted(r[name] for r in results) == ["duplicate", "loaded"], results
    assert "rejected" in [r["kapot.csv"] for r in results] and {r["kapot.csv"] for r in results} <= {"rejected", "duplicate"}
    assert counts(engine) == (3, 60 * 40, 0)
    with engine.connect() as conn:
        ledger = conn.execute(select(Delivery.file_name, Delivery.status, Delivery.rows_loaded)
                              .order_by(Delivery.file_name)).all()
    assert ledger == [("aanwezigheid.csv", "loaded", 2400), ("kapot.csv", "rejected", 0),
                      ("planning.csv", "loaded", 60)]


def test_an_unreachable_database_is_named_in_a_clear_error(backpack, tmp_path):
    port = closed_port()
    path = write_csv(tmp_path / "planning.csv", planning(session()))
    engine = make_engine(f"postgresql+psycopg://kansenmonitor:geheim@127.0.0.1:{port}/kansenmonitor")
    with pytest.raises(DatabaseUnavailable) as failed:
        ingest_file(engine, backpack, path, KEY)
    message = str(failed.value)
    assert message.startswith(f"database niet bereikbaar of verbinding verbroken (postgresql+psycopg://kansenmonitor:"
                              f"***@127.0.0.1:{port}/kansenmonitor) tijdens planning.csv: connection failed:")
    assert "Connection refused" in message and "geheim" not in message
    assert message.endswith("er is niets van dit bestand opgeslagen, het wordt opnieuw aangeboden bij de "
                            "volgende poging")


class FlakyProxy:
    """A TCP proxy to the PostgreSQL on `upstream` that forwards the first `healthy` connections and hangs up on
    later ones."""

    def __init__(self, healthy: int, upstream: int):
        self.healthy, self.hung_up, self.upstream = healthy, 0, upstream
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self.healthy > 0:
                self.healthy -= 1
                upstream = socket.create_connection(("127.0.0.1", self.upstream))
                for a, b in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pump, args=(a, b), daemon=True).start()
            else:
                self.hung_up += 1
                client.close()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            target.close()

    def close(self) -> None:
        self.server.close()


def test_flow_fails_clearly_when_the_database_is_down_from_the_start(prefect_harness, tmp_path):
    from flows.ingest_inbox import ingest_inbox

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "planning.csv", planning(session()))
    port = closed_port()
    state = asyncio.run(ingest_inbox(str(CONFIG), str(inbox), f"postgresql+psycopg://postgres@127.0.0.1:{port}/x",
                                     return_state=True))
    assert state.is_failed()
    assert f'connection to server at "127.0.0.1", port {port} failed: Connection refused' in state.message


def test_flow_retries_a_file_when_the_database_drops_and_loads_it_once_after(prefect_harness, pg_url, tmp_path):
    """The retries run in the flow itself (a task run of its own cost Prefect ~0.06 s per run), each one a warning
    in the run's log."""
    from prefect import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker

    from flows.ingest_inbox import ingest_inbox

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "planning.csv", planning(session()))
    server = make_url(pg_url)
    # The flow's migration gets through; the file's task does not.
    proxy = FlakyProxy(healthy=1, upstream=server.port)
    url = server.set(port=proxy.port).render_as_string(hide_password=False)
    try:
        state = asyncio.run(ingest_inbox(str(CONFIG), str(inbox), url, return_state=True))
        assert state.is_failed()
        assert "DatabaseUnavailable: database niet bereikbaar of verbinding verbroken" in state.message
        assert "tijdens planning.csv" in state.message
        attempts = RETRIES + 1
        assert proxy.hung_up == attempts
        APILogWorker.drain_all(timeout=10)
        with get_client(sync_client=True) as client:
            logged = [log.message for log in client.read_logs(log_filter=LogFilter(
                flow_run_id=LogFilterFlowRunId(any_=[state.state_details.flow_run_id])))]
        retried = [line for line in logged if line.startswith("poging ")]
        assert [line.split(" (")[0] for line in retried] == [
            f"poging {n} van {attempts} om de inbox in te lezen is mislukt" for n in range(1, attempts)]
        assert all("DatabaseUnavailable: database niet bereikbaar" in line for line in retried)

        proxy.healthy = 100
        [result] = asyncio.run(ingest_inbox(str(CONFIG), str(inbox), url))
        assert (result.status, result.rows_loaded) == ("loaded", 1)
        [again] = asyncio.run(ingest_inbox(str(CONFIG), str(inbox), url))
        assert again.status == "duplicate"
    finally:
        proxy.close()
    engine = make_engine(pg_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM activity_session")).scalar() == 1
    assert counts(engine)[0] == 1
    engine.dispose()
