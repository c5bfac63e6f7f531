"""The flows' scheduling helpers and their failure notice, in real flow runs on a temporary Prefect server.

Runs through deployments, a worker and retries are in test_deployments.py.
"""

from __future__ import annotations

import datetime as dt
import email
from email.policy import default
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client

from flows.ingest_inbox import ingest_inbox
from flows.schedule import latest_closed_period
from tests.smtp import smtp_server  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parent.parent
BACKPACK = ROOT / "config" / "borger-odoorn.yaml"


@pytest.mark.parametrize(("day", "period"), [
    (dt.date(2025, 1, 1), "2024-2025-H1"),
    (dt.date(2025, 1, 15), "2024-2025-H1"),
    (dt.date(2025, 8, 15), "2024-2025-H2"),
    (dt.date(2027, 1, 15), "2024-2025-H2"),
])
def test_latest_closed_period_is_the_last_one_ended_before_the_day(backpack, day, period):
    assert latest_closed_period(backpack, day).name == period


def test_latest_closed_period_refuses_a_day_before_any_period_ended(backpack):
    with pytest.raises(ValueError, match="no period of Backpack Borger-Odoorn has ended before 2024-12-31; "
                                         "the first ends on 2024-12-31"):
        latest_closed_period(backpack, dt.date(2024, 12, 31))


def failing_ingest(tmp_path: Path, sqlite_url: str):
    """An ingest run whose inbox is missing: it fails before touching any file."""
    state = ingest_inbox(str(BACKPACK), str(tmp_path / "ontbreekt"), sqlite_url, out_dir=str(tmp_path / "out"),
                         return_state=True)
    assert state.is_failed()
    with get_client(sync_client=True) as client:
        return client.read_flow_run(state.state_details.flow_run_id)


def test_a_failed_run_mails_the_steward(prefect_harness, smtp_server, tmp_path, sqlite_url):
    run = failing_ingest(tmp_path, sqlite_url)

    assert len(smtp_server.received) == 1
    recipients, message = smtp_server.received[0]
    assert recipients == ["datasteward@backpack.example"]
    assert message["From"] == "kansenmonitor@backpack.example"
    assert message["Subject"] == f"Kansenmonitor Backpack Borger-Odoorn: ingest-inbox mislukt (run {run.name})"
    body = message.get_content()
    assert "FileNotFoundError" in body and str(tmp_path / "ontbreekt") in body
    assert str(run.id) in body


def test_without_a_mail_server_the_notice_waits_in_the_outbox(prefect_harness, monkeypatch, tmp_path, sqlite_url):
    monkeypatch.delenv("KANSENMONITOR_SMTP_HOST", raising=False)
    run = failing_ingest(tmp_path, sqlite_url)

    notice = tmp_path / "out" / "outbox" / f"mislukt-ingest-inbox-{run.id}.eml"
    message = email.message_from_bytes(notice.read_bytes(), policy=default)
    assert message["To"] == "datasteward@backpack.example"
    assert run.name in message["Subject"]


def test_files_are_ingested_in_batches_each_file_in_its_own_transaction(prefect_harness, monkeypatch, tmp_path,
                                                                         sqlite_url):
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from tests.deliveries import attendance, planning, present, session, write_csv

    monkeypatch.setenv("KANSENMONITOR_INGEST_BATCH_FILES", "2")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "a-planning.csv", planning(session()))
    write_csv(inbox / "b-aanwezigheid.csv", attendance(present("1"), present("2")))
    write_csv(inbox / "c-kapot.csv", [["geen", "bekende", "kolommen"], ["1", "2", "3"]])
    state = ingest_inbox(str(BACKPACK), str(inbox), sqlite_url, return_state=True)
    results = state.result()
    assert [(r.file, r.status, r.rows_loaded) for r in results] == [
        ("a-planning.csv", "loaded", 1), ("b-aanwezigheid.csv", "loaded", 2), ("c-kapot.csv", "rejected", 0)]
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(
            any_=[state.state_details.flow_run_id])))
    assert sorted(r.name for r in runs) == ["ingest a-planning.csv (+1 more)", "ingest c-kapot.csv (+0 more)"]


def test_an_ingest_in_a_terminal_shows_a_progress_bar_over_the_files(prefect_harness, tmp_path, sqlite_url):
    import os
    import subprocess
    import sys

    from prefect.settings import PREFECT_API_URL

    from tests.deliveries import planning, session, write_csv

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(3):
        write_csv(inbox / f"planning-{n}.csv", planning(session(date=f"1{n}-09-2024")))
    primary, secondary = os.openpty()
    env = dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value(), KANSENMONITOR_INGEST_BATCH_FILES="1",
               COLUMNS="200", TERM="xterm")
    process = subprocess.Popen([sys.executable, "-m", "kansenmonitor.cli", "ingest", "--config", str(BACKPACK),
                                "--inbox", str(inbox), "--db", sqlite_url], stdout=secondary, stderr=secondary,
                               stdin=subprocess.DEVNULL, env=env, cwd=tmp_path)
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        seen += chunk
    assert process.wait(timeout=120) == 0, seen.decode(errors="replace")
    os.close(primary)
    screen = seen.decode("utf-8", errors="replace")
    # The bar is drawn when it starts and when it stops; the steps between depend on the refresh timing.
    assert "Aanleveringen verwerken" in screen and "0/3" in screen and "3/3" in screen
