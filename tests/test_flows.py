"""The flows' scheduling helpers and their failure notice, in real flow runs on a temporary Prefect server.

Runs through deployments, a worker and retries are in test_deployments.py; the due decision itself in
test_schedule.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import subprocess
import sys
import time
from email.policy import default
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker

from flows.close_period import close_period
from flows.coalitions import child_deployment, close_all
from flows.ingest_inbox import ingest_inbox
from kansenmonitor.config import load_config
from kansenmonitor.db import make_engine
from kansenmonitor.migrate import migrate
from kansenmonitor.periods import parse_period
from tasks.ingest.files import ingest_files
from tasks.ingest.inbox import inbox_files
from tasks.ingest.pseudonymise import pseudonym_key
from tasks.quality.release import release_period
from tests.deliveries import attendance, planning, present, session, write_csv

ROOT = Path(__file__).resolve().parent.parent
BACKPACK = ROOT / "config" / "borger-odoorn.yaml"
COEVORDEN = ROOT / "config" / "coevorden.yaml"
H2 = "2024-2025-H2"
WAIT_H2 = ("wacht op late aanleveringen: 2024-2025-H2 (t/m 31-07-2025) wordt na 15 dagen uitloop voor late "
           "aanleveringen afgesloten, op 15-08-2025")


@pytest.mark.parametrize(("parent", "deployment", "child"), [
    ("close-all", None, "close-period/close-period"),
    ("close-all", "close-all", "close-period/close-period"),
    ("close-all", "close-all-docker", "close-period/close-period-docker"),
    ("ingest-all", "ingest-all-docker", "ingest-inbox/ingest-inbox-docker"),
])
def test_a_parent_starts_its_children_on_its_own_pool(parent, deployment, child):
    assert child_deployment(child.split("/")[0], parent, deployment) == child


def test_a_parent_deployment_named_otherwise_says_how_to_name_it():
    with pytest.raises(ValueError) as raised:
        child_deployment("close-period", "close-all", "nachtelijk")
    assert str(raised.value) == ("de deployment 'nachtelijk' van close-all moet 'close-all' of 'close-all-<werkpool>' "
                                 "heten: daaraan ziet de run welke close-period-deployment hij start")


def seeded(tmp_path: Path, config_path: Path, db_url: str) -> None:
    """One school's deliveries of 2024-2025-H2, loaded directly: the runs under test start at close-period."""
    migrate(db_url)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "planning.csv", planning(session(date="12-03-2025")))
    write_csv(inbox / "aanwezigheid.csv", attendance(*[present(f"L{i}", date="12-03-2025") for i in range(12)]))
    engine, config = make_engine(db_url), load_config(config_path)
    assert {r.status for r in ingest_files(engine, config, inbox_files(inbox, config), pseudonym_key())} == {"loaded"}
    engine.dispose()


def logged(state) -> list[str]:
    """The messages the run logged, as the UI shows them."""
    APILogWorker.drain_all(timeout=10)
    with get_client(sync_client=True) as client:
        return [log.message for log in client.read_logs(log_filter=LogFilter(
            flow_run_id=LogFilterFlowRunId(any_=[state.state_details.flow_run_id])))]


def test_a_scheduled_close_waits_for_the_grace_then_closes_once(prefect_harness, monkeypatch, tmp_path, sqlite_url):
    monkeypatch.delenv("KANSENMONITOR_SMTP_HOST", raising=False)
    seeded(tmp_path, BACKPACK, sqlite_url)
    out = tmp_path / "out"

    def scheduled(day: dt.date):
        state = asyncio.run(close_period(str(BACKPACK), db_url=sqlite_url, out_dir=str(out), day=day,
                                         return_state=True))
        assert state.is_completed(), state.message
        return state

    early = scheduled(dt.date(2025, 8, 14))
    assert early.result() == {"period": None, "reason": WAIT_H2}
    assert WAIT_H2 in logged(early)
    assert not out.exists()

    due = scheduled(dt.date(2025, 8, 15))
    assert due.result()["period"] == H2
    assert "2024-2025-H2 wordt afgesloten: de uitloop van 15 dagen na 31-07-2025 is voorbij" in logged(due)
    assert [d.status for d in due.result()["dispatches"]] == ["sent"] * 6
    assert len(list((out / "outbox").glob("*.eml"))) == 6

    done = scheduled(dt.date(2025, 8, 16))
    assert done.result() == {"period": None, "reason": "2024-2025-H2 is al afgesloten en alle rapporten zijn "
                                                        "verzonden; het programma is afgelopen"}
    assert len(list((out / "outbox").glob("*.eml"))) == 6


def test_a_held_period_is_closed_daily_until_the_release_lets_its_reports_out(prefect_harness, monkeypatch, tmp_path,
                                                                               sqlite_url):
    monkeypatch.delenv("KANSENMONITOR_SMTP_HOST", raising=False)
    config_path = tmp_path / "backpack.yaml"
    config_path.write_text(BACKPACK.read_text(encoding="utf-8") + "\nquality:\n  hold_reports: true\n",
                           encoding="utf-8")
    seeded(tmp_path, config_path, sqlite_url)  # one school of eight delivered: the gate holds the reports
    out = tmp_path / "out"

    def scheduled(day: dt.date) -> dict:
        return asyncio.run(close_period(str(config_path), db_url=sqlite_url, out_dir=str(out), day=day))

    assert {d.status for d in scheduled(dt.date(2025, 8, 15))["dispatches"]} == {"held"}
    assert {d.status for d in scheduled(dt.date(2025, 8, 16))["dispatches"]} == {"held"}
    engine = make_engine(sqlite_url)
    release_period(engine, load_config(config_path), parse_period(H2, load_config(config_path)), "Fatima")
    engine.dispose()
    assert {d.status for d in scheduled(dt.date(2025, 8, 17))["dispatches"]} == {"sent"}
    assert scheduled(dt.date(2025, 8, 18))["period"] is None
    assert len(list((out / "outbox").glob("*.eml"))) == 6


def test_close_all_before_the_grace_starts_no_child_run(prefect_harness, tmp_path, sqlite_url):
    state = asyncio.run(close_all(configs=[str(BACKPACK), str(COEVORDEN)], db_url=sqlite_url,
                                  out_root=str(tmp_path / "out"), day=dt.date(2025, 8, 14), return_state=True))

    assert state.is_completed(), state.message
    assert state.result() == {}
    messages = logged(state)
    assert f"borger-odoorn: {WAIT_H2}" in messages and f"coevorden: {WAIT_H2}" in messages
    assert "geen coalitie hoeft nu te worden afgesloten" in messages


def failing_ingest(tmp_path: Path, sqlite_url: str):
    """An ingest run whose inbox is missing: it fails before touching any file."""
    state = asyncio.run(ingest_inbox(str(BACKPACK), str(tmp_path / "ontbreekt"), sqlite_url,
                                     out_dir=str(tmp_path / "out"), return_state=True))
    assert state.is_failed()
    with get_client(sync_client=True) as client:
        return client.read_flow_run(state.state_details.flow_run_id)


def test_a_failed_run_mails_the_steward(prefect_harness, smtp_server, tmp_path, sqlite_url):
    run = failing_ingest(tmp_path, sqlite_url)

    assert len(smtp_server.received) == 1
    recipients, message = smtp_server.received[0]
    assert recipients == ["datasteward@backpack.example"]
    assert message["From"] == "kansenmonitor@backpack.example"
    # Python folds a long subject (a long run name) onto a continuation line; unfolding leaves the leading space
    # mail clients drop.
    assert message["Subject"].strip() == f"Kansenmonitor Backpack Borger-Odoorn: ingest-inbox mislukt (run {run.name})"
    body = message.get_content().replace("\r\n", "\n")  # as sent: SMTP line ends
    assert body.startswith(f"De run '{run.name}' van ingest-inbox voor Backpack Borger-Odoorn is mislukt.\n\n"
                           f"Fout: FileNotFoundError")
    assert str(tmp_path / "ontbreekt") in body
    assert f"Run-id: {run.id}" in body
    assert "Failed" not in body and "encountered" not in body  # Prefect's English stays out of the notice


def test_without_a_mail_server_the_notice_waits_in_the_outbox(prefect_harness, monkeypatch, tmp_path, sqlite_url):
    monkeypatch.delenv("KANSENMONITOR_SMTP_HOST", raising=False)
    run = failing_ingest(tmp_path, sqlite_url)

    notice = tmp_path / "out" / "outbox" / f"mislukt-ingest-inbox-{run.id}.eml"
    message = email.message_from_bytes(notice.read_bytes(), policy=default)
    assert message["To"] == "datasteward@backpack.example"
    assert run.name in message["Subject"]


def test_an_inbox_is_ingested_in_the_run_itself_in_batches_each_file_in_its_own_transaction(prefect_harness,
                                                                                            monkeypatch, tmp_path,
                                                                                            sqlite_url):
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from tests.deliveries import attendance, planning, present, session, write_csv

    monkeypatch.setenv("KANSENMONITOR_INGEST_BATCH_FILES", "2")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "a-planning.csv", planning(session()))
    write_csv(inbox / "b-aanwezigheid.csv", attendance(present("1"), present("2")))
    write_csv(inbox / "c-kapot.csv", [["geen", "bekende", "kolommen"], ["1", "2", "3"]])
    state = asyncio.run(ingest_inbox(str(BACKPACK), str(inbox), sqlite_url, return_state=True))
    results = state.result()
    assert [(r.file, r.status, r.rows_loaded) for r in results] == [
        ("a-planning.csv", "loaded", 1), ("b-aanwezigheid.csv", "loaded", 2), ("c-kapot.csv", "rejected", 0)]
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(
            any_=[state.state_details.flow_run_id])))
    # No task run: the flow reads and loads the inbox itself (a task run cost Prefect ~0.06 s per flow run), and
    # retries after an outage itself (test_faults.py).
    assert runs == []
    # One log line for the inbox and one for the file that needs a look; the loaded ones are in the artifacts.
    lines = [m for m in logged(state) if "bestanden:" in m or ".csv:" in m]
    assert lines == ["3 bestanden: 2 geladen, 1 geweigerd", f"c-kapot.csv: geweigerd (0 gelezen, 0 geladen, 0 in "
                     f"quarantaine) {results[2].message}"]


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
    process = subprocess.Popen([sys.executable, "-m", "flows.cli", "ingest", "--config", str(BACKPACK),
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


def heartbeats(state) -> list[str]:
    """The heartbeat events the server stored for the run."""
    EventsWorker.drain_all(timeout=10)
    wanted = EventFilter(event=EventNameFilter(name=["prefect.flow-run.heartbeat"]),
                         resource=EventResourceFilter(id=[f"prefect.flow-run.{state.state_details.flow_run_id}"]))
    with get_client(sync_client=True) as client:
        for _ in range(40):  # the server stores events a moment after receiving them
            events = client.read_events(wanted, limit=50).events
            if events:
                break
            time.sleep(0.5)
    return [e.event for e in events]


def test_an_ingest_run_still_sends_the_heartbeat_that_lets_the_server_detect_a_crash(prefect_harness, tmp_path,
                                                                                     sqlite_url):
    """The flow is async so that its end does not wait for Prefect's heartbeat thread; the heartbeat itself stays
    (an automation on missing heartbeats marks a run whose machine died as crashed)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    state = asyncio.run(ingest_inbox(str(BACKPACK), str(inbox), sqlite_url, return_state=True))
    assert state.is_completed(), state.message
    assert heartbeats(state) == ["prefect.flow-run.heartbeat"]


def test_a_close_run_is_async_like_the_ingest_and_still_sends_its_heartbeat(prefect_harness, tmp_path, sqlite_url):
    """The same for closing a period: as a sync flow every run waited 0-1 s at its end for the heartbeat thread."""
    state = asyncio.run(close_period(str(BACKPACK), db_url=sqlite_url, out_dir=str(tmp_path / "out"),
                                     day=dt.date(2025, 8, 14), return_state=True))
    assert state.is_completed(), state.message
    assert state.result() == {"period": None, "reason": WAIT_H2}
    assert heartbeats(state) == ["prefect.flow-run.heartbeat"]


def test_an_ingest_run_does_not_load_the_pdf_engine():
    """A work pool starts a process per flow run: the ingest's own start pays no WeasyPrint, Pango or matplotlib
    (about a second of CPU), which only closing a period needs; the steward's pages come from Jinja alone."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, flows.ingest_inbox, flows.cli; "
                               "print(sorted(m for m in ('weasyprint', 'matplotlib') if m in sys.modules))"],
        cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]", loaded.stdout + loaded.stderr
