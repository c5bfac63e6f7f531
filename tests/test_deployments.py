"""The cycle as it runs in production: `bin/serve` starts a real Prefect server, the process work pool, the
deployments of prefect.yaml and a worker; runs are triggered through the API and executed by the worker in
their own processes; report and steward mail go to a real SMTP server on localhost.
"""

from __future__ import annotations

import datetime as dt
import email
import json
import os
import signal
import subprocess
import time
from email.policy import default
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from aiosmtpd.controller import Controller
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterParentFlowRunId,
)
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings

from kansenmonitor.config import load_config
from kansenmonitor.db import make_engine
from kansenmonitor.migrate import migrate
from schemas import SOURCES
from tasks.ingest.files import ingest_files
from tasks.ingest.inbox import inbox_files
from tasks.ingest.pseudonymise import pseudonym_key
from tests.deliveries import attendance, planning, present, session, write_csv
from tests.smtp import free_port

ROOT = Path(__file__).resolve().parent.parent
BACKPACK = ROOT / "config" / "borger-odoorn.yaml"
COEVORDEN = ROOT / "config" / "coevorden.yaml"
STEWARDS = {"datasteward@backpack.example", "npo-data@coevorden.example"}
PERIOD = "2024-2025-H2"  # the programmes' last period: what a scheduled close picks from now on
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
IMAGE_WORKDIR = "/opt/kansenmonitor"


class MailServer:
    """Keeps what it accepts; answers `451 try again` to the next `refuse` report mails (steward mail passes)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse and not STEWARDS & set(envelope.rcpt_tos):
            self.refuse -= 1
            return "451 4.3.0 try again later"
        self.received.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=default)))
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [message for recipients, message in self.received if address in recipients]

    def arrived(self, address: str, seconds: float = 30) -> list[email.message.EmailMessage]:
        """The mail to `address`, waiting for it: a failure hook sends after the run is already marked failed."""
        deadline = time.monotonic() + seconds
        while not self.to(address) and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.to(address)


@pytest.fixture(scope="module")
def mail_server():
    handler = MailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def mail(mail_server):
    handler, _ = mail_server
    handler.received.clear()
    handler.refuse = 0
    return handler


def _wait(what: str, check, process: subprocess.Popen, log: Path, seconds: float = 240):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"bin/serve stopped while waiting for {what}:\n{log.read_text()[-3000:]}")
        result = check()
        if result:
            return result
        time.sleep(1)
    pytest.fail(f"timed out waiting for {what}:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def served(mail_server, tmp_path_factory):
    """`bin/serve` on a free port with its own PREFECT_HOME; yields the scheduled runs the server created.

    Once seen, the scheduled deployments are paused, so no run with the shipped parameters (the project's
    var/ folders) starts during the tests.
    """
    _, smtp_port = mail_server
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_API_PORT=str(port), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_WORKER_QUERY_SECONDS="1", PREFECT_WORKER_PREFETCH_SECONDS="1",
               KANSENMONITOR_SMTP_HOST="127.0.0.1", KANSENMONITOR_SMTP_PORT=str(smtp_port),
               KANSENMONITOR_SMTP_SECURITY="none", KANSENMONITOR_RETRY_SECONDS="0.1",
               KANSENMONITOR_DATABASE_URL=f"sqlite:///{home / 'scheduled.db'}")
    log = home / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen([str(ROOT / "bin" / "serve")], env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        with temporary_settings({PREFECT_API_URL: f"http://127.0.0.1:{port}/api"}), \
                get_client(sync_client=True) as client:
            _wait("the deployments", lambda: _try(lambda: len(client.read_deployments()) == 4), process, log)
            _wait("a worker", lambda: _try(lambda: client.read_workers_for_work_pool("kansenmonitor-process")),
                  process, log)
            deployments = {d.name: d for d in client.read_deployments()}
            scheduled = _wait("scheduled runs", lambda: _scheduled(client, deployments), process, log, 60)
            for name in ("ingest-all", "close-all"):
                client.pause_deployment(deployments[name].id)
            yield {"deployments": deployments, "scheduled": scheduled, "client": client,
                   "env": dict(env, PREFECT_API_URL=f"http://127.0.0.1:{port}/api")}
    finally:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _try(check):
    """The check's answer, or None while the server is still starting."""
    try:
        return check()
    except Exception:
        return None


def _scheduled(client, deployments) -> dict[str, list] | None:
    runs = {name: client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(
                any_=[deployments[name].id]))) for name in ("ingest-all", "close-all")}
    return runs if all(runs.values()) else None


def run(name: str, **parameters):
    return run_deployment(name, parameters=parameters, timeout=300, poll_interval=1)


def task_runs(client, flow_run) -> dict[str, object]:
    """The run's task runs by task name (a task run is called `<task name>-<suffix>`)."""
    return {t.name.rsplit("-", 1)[0]: t
            for t in client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id])))}


def artifact_keys(client, flow_run) -> set[str]:
    return {a.key for a in client.read_artifacts(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id])))}


def backpack_inbox(folder: Path) -> Path:
    folder.mkdir(parents=True)
    write_csv(folder / "planning.csv", planning(session(date="12-03-2025")))
    write_csv(folder / "aanwezigheid.csv", attendance(*[present(f"L{i}", date="12-03-2025") for i in range(12)]))
    return folder


def coevorden_inbox(folder: Path) -> Path:
    folder.mkdir(parents=True)
    write_csv(folder / "bestedingen.csv", [list(SOURCES["bestedingen"].headers({}).values()),
                                           ["12-03-2025", "Coevorden", 1, "materialen", "1250,00"],
                                           ["14-03-2025", "Coevorden Centrum", 2, "inhuur begeleiding", "980,50"]])
    return folder


def seeded_backpack(tmp_path: Path) -> str:
    """A database holding Backpack's deliveries, loaded directly: the runs under test start at close-period."""
    url = f"sqlite:///{tmp_path / 'kansenmonitor.db'}"
    migrate(url)
    engine, config = make_engine(url), load_config(BACKPACK)
    results = ingest_files(engine, config, inbox_files(backpack_inbox(tmp_path / "inbox"), config), pseudonym_key())
    assert {result.status for result in results} == {"loaded"}
    engine.dispose()
    return url


def test_prefect_yaml_schedules_the_cycle_in_amsterdam_time(served):
    deployments = served["deployments"]
    assert {name: d.work_pool_name for name, d in deployments.items()} == dict.fromkeys(
        ["ingest-all", "close-all", "ingest-inbox", "close-period"], "kansenmonitor-process")
    schedules = {name: [(s.schedule.cron, s.schedule.timezone, s.active) for s in d.schedules]
                 for name, d in deployments.items()}
    assert schedules == {"ingest-all": [("*/15 * * * *", "Europe/Amsterdam", True)],
                         "close-all": [("0 6 * * *", "Europe/Amsterdam", True)],
                         "ingest-inbox": [("*/15 * * * *", "Europe/Amsterdam", False)],
                         "close-period": [("0 6 * * *", "Europe/Amsterdam", False)]}

    ingest_times = [r.expected_start_time.astimezone(AMSTERDAM) for r in served["scheduled"]["ingest-all"]]
    assert all(t.minute % 15 == 0 and t.second == 0 for t in ingest_times)
    close_times = sorted(r.expected_start_time.astimezone(AMSTERDAM) for r in served["scheduled"]["close-all"])
    assert all((t.hour, t.minute, t.second) == (6, 0, 0) for t in close_times)
    assert {(b.date() - a.date()).days for a, b in zip(close_times, close_times[1:])} == {1}  # daily
    assert dt.datetime.now(AMSTERDAM) < close_times[0] <= dt.datetime.now(AMSTERDAM) + dt.timedelta(days=1)


@pytest.mark.parametrize("pool", ["docker", "kubernetes"])
def test_the_container_deployments_run_what_the_process_ones_run(pool):
    """Only the name, the pool and where the code is may differ, so the sets cannot drift apart."""
    project = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    deployments = {d["name"]: d for d in project["deployments"]}
    process = {name: d for name, d in deployments.items() if d["work_pool"]["name"] == "kansenmonitor-process"}
    twins = {name: d for name, d in deployments.items() if d["work_pool"]["name"] == f"kansenmonitor-{pool}"}

    assert sorted(twins) == sorted(f"{name}-{pool}" for name in process)
    assert len(process) == 4
    for name, deployment in process.items():
        twin = twins[f"{name}-{pool}"]
        assert {k: v for k, v in twin.items() if k not in ("name", "work_pool", "pull")} == \
            {k: v for k, v in deployment.items() if k not in ("name", "work_pool")}
        assert "pull" not in deployment  # the process runs work in the folder `prefect deploy` ran in
        assert twin["pull"] == [{"prefect.deployments.steps.set_working_directory": {"directory": IMAGE_WORKDIR}}]
        assert twin["work_pool"]["job_variables"]["image"] == "kansenmonitor:latest"
    assert f"WORKDIR {IMAGE_WORKDIR}\n" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_the_kubernetes_job_template_is_prefects_own_plus_the_volumes():
    """The pool's template (kubernetes/job-template.json) is Prefect's default Kubernetes template with only
    the configurations, var/ and the image's user's group added: an update of Prefect shows up here."""
    import prefect

    catalogue = Path(prefect.__file__).parent / "server/api/collections_data/views/aggregate-worker-metadata.json"
    default = json.loads(catalogue.read_text(encoding="utf-8"))["prefect-kubernetes"]["kubernetes"][
        "default_base_job_configuration"]
    ours = json.loads((ROOT / "kubernetes" / "job-template.json").read_text(encoding="utf-8"))
    pod = ours["job_configuration"]["job_manifest"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert pod.pop("volumes") == [{"name": "config", "configMap": {"name": "kansenmonitor-config"}},
                                  {"name": "var", "persistentVolumeClaim": {"claimName": "kansenmonitor-var"}}]
    assert pod.pop("securityContext") == {"fsGroup": 10001}  # the Dockerfile's user writes var/
    assert container.pop("volumeMounts") == [
        {"name": "config", "mountPath": f"{IMAGE_WORKDIR}/config", "readOnly": True},
        {"name": "var", "mountPath": f"{IMAGE_WORKDIR}/var"}]
    assert ours == default
    assert "--uid 10001" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_ingest_and_close_deployments_complete_with_their_artifacts(served, mail, tmp_path):
    client = served["client"]
    db_url = f"sqlite:///{tmp_path / 'kansenmonitor.db'}"
    out = tmp_path / "out"

    ingested = run("ingest-inbox/ingest-inbox", config_path=str(BACKPACK), inbox=str(backpack_inbox(tmp_path / "in")),
                   db_url=db_url, out_dir=str(out))
    assert ingested.state.is_completed(), ingested.state.message
    assert artifact_keys(client, ingested) == {"validatie-backpack-borger-odoorn",
                                               "aanleveringen-backpack-borger-odoorn"}
    assert (out / "validatie.html").exists()

    closed = run("close-period/close-period", config_path=str(BACKPACK), db_url=db_url, out_dir=str(out))
    assert closed.state.is_completed(), closed.state.message
    assert closed.parameters.get("period") is None
    assert artifact_keys(client, closed) == {"indicatoren-backpack-borger-odoorn", "kwaliteit-backpack-borger-odoorn"}
    assert f",{PERIOD}," in (out / f"indicatoren-{PERIOD}.csv").read_text(encoding="utf-8")
    # the half-yearly report and, at the second measurement moment, the one for the continuation decision
    reports = mail.to("stuurgroep@backpack.example")
    assert len(reports) == 2
    assert all("tweede meetmoment (januari–juli 2025)" in r["Subject"] for r in reports)  # PERIOD as the plan names it


def test_report_mail_the_server_refuses_is_retried_and_sent_once(served, mail, tmp_path):
    db_url = seeded_backpack(tmp_path)
    mail.refuse = 2

    closed = run("close-period/close-period", config_path=str(BACKPACK), db_url=db_url, out_dir=str(tmp_path / "out"))

    assert closed.state.is_completed(), closed.state.message
    assert task_runs(served["client"], closed)["send-reports"].run_count == 2
    recipients = sorted(r for rcpt, _ in mail.received for r in rcpt)
    assert recipients == ["coalitie@backpack.example", "kernteam-exloermond@backpack.example",
                          "kernteam-nieuwbuinen@backpack.example", "kernteam-valthermond@backpack.example",
                          "stuurgroep@backpack.example", "stuurgroep@backpack.example"]  # and its vervolgbesluit


def test_a_run_failing_after_its_retries_notifies_the_steward(served, mail, tmp_path):
    db_url = seeded_backpack(tmp_path)
    mail.refuse = 1000

    closed = run("close-period/close-period", config_path=str(BACKPACK), db_url=db_url, out_dir=str(tmp_path / "out"))

    assert closed.state.is_failed()
    assert task_runs(served["client"], closed)["send-reports"].run_count == 4
    [notice] = mail.arrived("datasteward@backpack.example")
    assert notice["To"] == "datasteward@backpack.example"
    # Python folds a long subject onto a continuation line; unfolding leaves the leading space mail clients drop.
    assert notice["Subject"].strip() == f"Kansenmonitor Backpack Borger-Odoorn: close-period mislukt (run {closed.name})"
    body = notice.get_content().replace("\r\n", "\n")  # as sent: SMTP line ends
    assert body.startswith(f"De run '{closed.name}' van close-period voor Backpack Borger-Odoorn is mislukt.\n\n"
                           "Fout: ReportsNotSent: rapporten niet verzonden")
    assert "Failed" not in body
    assert str(closed.id) in body
    assert "rapporten niet verzonden" in body and "451" in body
    assert not mail.to("stuurgroep@backpack.example")


def test_one_parent_run_per_step_serves_two_coalitions(served, mail, tmp_path):
    client = served["client"]
    inbox_root, out_root = tmp_path / "inbox", tmp_path / "out"
    backpack_inbox(inbox_root / "borger-odoorn")
    coevorden_inbox(inbox_root / "coevorden")
    common = {"configs": [str(BACKPACK), str(COEVORDEN)], "out_root": str(out_root),
              "db_url": f"sqlite:///{tmp_path / 'kansenmonitor.db'}"}

    def children(parent) -> list:
        assert parent.state.is_completed(), parent.state.message
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent.id])))

    ingested = run("ingest-all/ingest-all", inbox_root=str(inbox_root), **common)
    waiting = run("close-all/close-all", day="2025-08-14", **common)  # the grace of 2024-2025-H2 has not passed
    closed = run("close-all/close-all", **common)
    done = run("close-all/close-all", **common)  # every report of both coalitions sent

    for parent in (ingested, closed):
        assert sorted(c.name for c in children(parent)) == ["borger-odoorn", "coevorden"]
        assert all(c.state.is_completed() for c in children(parent))
    assert children(waiting) == children(done) == []
    for parent, child_flow in ((ingested, "ingest-inbox"), (closed, "close-period")):
        [table] = client.read_artifacts(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[parent.id])))
        assert (table.key, table.type, table.description) == (child_flow, "table", "Een run per coalitie")
        rows = json.loads(table.data) if isinstance(table.data, str) else table.data
        assert sorted(rows, key=lambda row: row["coalitie"]) == [
            {"coalitie": "borger-odoorn", "run": "borger-odoorn", "status": "voltooid"},
            {"coalitie": "coevorden", "run": "coevorden", "status": "voltooid"}]
    for name in ("borger-odoorn", "coevorden"):
        assert (out_root / name / "validatie.html").exists()
        assert (out_root / name / f"indicatoren-{PERIOD}.csv").exists()
        assert (out_root / name / "reports" / PERIOD / "stuurgroep.html").exists()
    assert len(mail.to("stuurgroep@backpack.example")) == 2  # the half-yearly report and the vervolgbesluit
    assert len(mail.to("projectteam-npo@coevorden.example")) == 1
    assert len(mail.to("college@coevorden.example")) == 1  # the jaarverslag, at the school year's last half


@pytest.mark.parametrize(("pool", "create"), [
    ("docker", ["--type", "docker"]),
    ("kubernetes", ["--type", "kubernetes", "--base-job-template", "kubernetes/job-template.json"]),
])
def test_a_server_with_a_container_pool_accepts_its_deployments(served, pool, create):
    """What can be checked without a Docker daemon or a cluster: Prefect reads the pool's set of prefect.yaml,
    the pool's template takes its job variables and renders the job with them, and the deployments equal their
    process twins but for pool and code place."""
    from prefect.utilities.templating import apply_values

    client = served["client"]
    prefect = str(ROOT / ".venv" / "bin" / "prefect")
    env = dict(served["env"], KANSENMONITOR_DATABASE_URL="postgresql+psycopg://kansenmonitor@db-host/kansenmonitor")
    for command in ([prefect, "work-pool", "create", f"kansenmonitor-{pool}", *create],
                    [prefect, "deploy", "--no-prompt", "-n", f"*-{pool}"]):
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr

    template = client.read_work_pool(f"kansenmonitor-{pool}").base_job_template
    defaults = {name: variable["default"] for name, variable in template["variables"]["properties"].items()
                if "default" in variable}
    deployments = {d.name: d for d in client.read_deployments()}
    for name in ("ingest-all", "close-all", "ingest-inbox", "close-period"):
        process, twin = deployments[name], deployments[f"{name}-{pool}"]
        client.pause_deployment(twin.id)
        assert (twin.work_pool_name, process.work_pool_name) == (f"kansenmonitor-{pool}", "kansenmonitor-process")
        assert (twin.entrypoint, twin.parameters) == (process.entrypoint, process.parameters)
        assert [s.schedule for s in twin.schedules] == [s.schedule for s in process.schedules]
        assert twin.pull_steps == [{"prefect.deployments.steps.set_working_directory": {"directory": IMAGE_WORKDIR}}]
        assert twin.job_variables["image"] == "kansenmonitor:latest"
        assert twin.job_variables["env"] == {
            "KANSENMONITOR_DATABASE_URL": env["KANSENMONITOR_DATABASE_URL"],
            "KANSENMONITOR_PSEUDONYM_SECRET_BLOCK": "kansenmonitor-pseudonym-key",
            "KANSENMONITOR_SMTP_SECRET_BLOCK": "kansenmonitor-smtp"}
        job = apply_values(template["job_configuration"], defaults | twin.job_variables)
        if pool == "kubernetes":  # the Job as the worker submits it, before it adds the run's command
            manifest = job["job_manifest"]
            assert manifest["metadata"]["namespace"] == "kansenmonitor"
            [container] = manifest["spec"]["template"]["spec"]["containers"]
            assert (container["image"], container["env"]) == ("kansenmonitor:latest", twin.job_variables["env"])
            assert [m["mountPath"] for m in container["volumeMounts"]] == [f"{IMAGE_WORKDIR}/config",
                                                                            f"{IMAGE_WORKDIR}/var"]
        else:
            assert job["volumes"] == ["/srv/kansenmonitor/config:/opt/kansenmonitor/config:ro",
                                      "/srv/kansenmonitor/var:/opt/kansenmonitor/var"]
