"""Beyond one machine: the Prefect server keeps its state on PostgreSQL, two workers serve one process pool, and
an `ingest-all` parent run fans out one child run per coalition; whichever worker takes a child, every
coalition's files are loaded exactly once into the shared PostgreSQL database."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from kansenmonitor.db import Delivery, make_engine
from kansenmonitor.migrate import migrate
from tests.deliveries import attendance, planning, present, session, write_csv
from tests.smtp import free_port
from tests.test_deployments import _try, _wait

ROOT = Path(__file__).resolve().parent.parent
COALITIONS = 4


@pytest.fixture
def prefect_pg_url(pg_url):
    """A second new PostgreSQL database, for the Prefect server's own state (asyncpg, as Prefect wants it)."""
    admin_url = make_url(pg_url)
    name = f"prefect_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin_url.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_runs_that_start_together_migrate_one_new_database_once(db_url):
    """Every run migrates first; six at once on an empty database queue instead of colliding."""
    with ProcessPoolExecutor(6) as pool:
        assert list(pool.map(migrate, [db_url] * 6)) == [None] * 6
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM alembic_version")).scalar() == 1
    engine.dispose()


def _coalitions(folder: Path) -> list[Path]:
    """Four coalitions (the Backpack plan under four names) with an inbox of two files each."""
    plan = yaml.safe_load((ROOT / "config" / "borger-odoorn.yaml").read_text(encoding="utf-8"))
    configs = []
    for n in range(1, COALITIONS + 1):
        plan["programme"]["name"] = f"Backpack proef {n}"
        config = folder / "config" / f"proef-{n}.yaml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
        inbox = folder / "inbox" / config.stem
        inbox.mkdir(parents=True)
        write_csv(inbox / "planning.csv", planning(session(date="12-03-2025")))
        write_csv(inbox / "aanwezigheid.csv",
                  attendance(*[present(f"L{n}-{i}", date="12-03-2025") for i in range(12)]))
        configs.append(config)
    return configs


def test_two_workers_on_a_postgresql_server_load_every_coalitions_files_once(pg_url, prefect_pg_url, tmp_path):
    """Afterwards, with the server stopped, Prefect's own tables in its PostgreSQL database hold the parent and its
    four children, each child labelled by the worker that ran it (`prefect.worker.name`, which a worker gives every
    run it submits), and both workers ran children.

    That both do is made certain by each worker's `--limit 2` (KANSENMONITOR_WORKER_LIMIT): the parent holds one
    place of the worker that took it until its children are done, so one worker can run at most two of the four
    children at a time and the other worker finds at least two still scheduled when it next polls, within about a
    second (PREFECT_WORKER_QUERY_SECONDS=1). The only way one worker could take them all is by finishing two child
    runs before the other polls once; each is a new Python process importing Prefect and pandas, seconds long.
    Without a limit one worker may claim all four at one poll (it claims what it finds).

    Only this test's runs: the server schedules none (its scheduler is off). Pausing the deployments once the
    workers were up left a window: a quarter-hour `ingest-all` due just then was claimed before the pause (which
    deletes only runs still scheduled) and held the deployment's one slot, so its concurrency limit (CANCEL_NEW)
    cancelled this test's parent; seen once near 00:45."""
    configs = _coalitions(tmp_path)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_API_PORT=str(port),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_API_DATABASE_CONNECTION_URL=prefect_pg_url,
               PREFECT_WORKER_QUERY_SECONDS="1", PREFECT_WORKER_PREFETCH_SECONDS="1", KANSENMONITOR_WORKERS="2",
               KANSENMONITOR_WORKER_LIMIT="2", KANSENMONITOR_RETRY_SECONDS="0.1",
               PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false")
    (tmp_path / "prefect-home").mkdir()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen([str(ROOT / "bin" / "serve")], env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        with temporary_settings({PREFECT_API_URL: f"http://127.0.0.1:{port}/api"}), \
                get_client(sync_client=True) as client:
            _wait("two workers", lambda: _try(lambda: len(client.read_workers_for_work_pool(
                "kansenmonitor-process")) == 2), process, log)
            parent = run_deployment("ingest-all/ingest-all", timeout=600, poll_interval=1, parameters={
                "configs": [str(c) for c in configs], "inbox_root": str(tmp_path / "inbox"),
                "out_root": str(tmp_path / "out"), "db_url": pg_url, "demo": True})
            assert parent.state.is_completed(), parent.state.message
            children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent.id])))
            assert sorted(c.name for c in children) == [f"proef-{n}" for n in range(1, COALITIONS + 1)]
            assert all(c.state.is_completed() for c in children)
            # The parent migrated the new, empty database once; the children loaded into it without checking again.
            assert [c.parameters["migrated"] for c in children] == [True] * COALITIONS
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)

    prefect_db = create_engine(make_url(prefect_pg_url).set(drivername="postgresql+psycopg"))
    with prefect_db.connect() as conn:  # every flow run the server kept, with its deployment, parent and worker
        runs = conn.execute(text(
            "SELECT run.name, run.state_type, deployment.name, placeholder.flow_run_id, "
            "run.labels ->> 'prefect.worker.name' FROM flow_run AS run "
            "LEFT JOIN deployment ON deployment.id = run.deployment_id "
            "LEFT JOIN task_run AS placeholder ON placeholder.id = run.parent_task_run_id "
            "ORDER BY placeholder.id IS NOT NULL, run.name")).all()
    prefect_db.dispose()
    workers = {f"kansenmonitor-worker-{n}" for n in (1, 2)}
    assert [run[:4] for run in runs] == [(parent.name, "COMPLETED", "ingest-all", None), *(
        (f"proef-{n}", "COMPLETED", "ingest-inbox", parent.id) for n in range(1, COALITIONS + 1))]
    assert runs[0][4] in workers
    assert {run[4] for run in runs[1:]} == workers  # both workers ran children
    assert not (tmp_path / "prefect-home" / "prefect.db").exists()  # nor kept a SQLite database on the side

    engine = make_engine(pg_url)
    with engine.connect() as conn:
        loaded = conn.execute(select(Delivery.coalition, Delivery.file_name, func.count())
                              .group_by(Delivery.coalition, Delivery.file_name)).all()
    engine.dispose()
    # Four coalitions, two files each, each delivered and loaded once: eight ledger rows, none twice.
    assert sorted(loaded) == sorted((f"backpack-proef-{n}", name, 1) for n in range(1, COALITIONS + 1)
                                    for name in ("aanwezigheid.csv", "planning.csv"))
