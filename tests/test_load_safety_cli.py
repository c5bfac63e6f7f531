"""Issue 20 through the whole CLI (real Prefect runs): any programme name, operational errors in one line, and a
fuzz of values at the database's limits that never crashes or blocks the inbox."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import itertools
import socket
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from flows.cli import app
from kansenmonitor.db import ActivitySession, Delivery, make_engine
from kansenmonitor.migrate import migrate
from tests.deliveries import attendance, planning, present, session, write_csv

ROOT = Path(__file__).resolve().parent.parent
BACKPACK = ROOT / "config" / "borger-odoorn.yaml"
COEVORDEN = ROOT / "config" / "coevorden.yaml"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- 8: a programme name of any characters ---------------------------------------------------------------------

async def _artifact_keys(prefix: str) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async with get_client() as client:
        artifacts = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(like_=prefix)))
    return sorted({a.key for a in artifacts})


def test_a_programme_name_of_any_characters_runs_end_to_end(prefect_harness, sqlite_url, tmp_path):
    name = "Kansrijk 's-Hertogenbosch (Noord) & Co"
    config = tmp_path / "kansrijk.yaml"
    config.write_text(BACKPACK.read_text(encoding="utf-8").replace(
        "name: Backpack Borger-Odoorn", 'name: "Kansrijk \'s-Hertogenbosch (Noord) & Co"'), encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "planning.csv", planning(session()))
    write_csv(inbox / "aanwezigheid.csv", attendance(present("1001"), present("1002")))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", "--config", str(config), "--inbox", str(inbox), "--period",
                                      "2024-2025-H1", "--db", sqlite_url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    slug = "kansrijk-s-hertogenbosch-noord-co"
    with make_engine(sqlite_url).connect() as conn:
        assert set(conn.execute(select(ActivitySession.coalition)).scalars()) == {slug}
    assert asyncio.run(_artifact_keys(f"%-{slug}")) == [f"aanleveringen-{slug}", f"indicatoren-{slug}",
                                                        f"kwaliteit-{slug}", f"validatie-{slug}"]
    report = (out / "reports" / "2024-2025-H1" / "stuurgroep.html").read_text(encoding="utf-8")
    assert "Kansrijk &#39;s-Hertogenbosch (Noord) &amp; Co" in report and name not in report
    subjects = {email.message_from_bytes(p.read_bytes())["Subject"] for p in (out / "outbox").glob("*.eml")}
    assert subjects and all(name in s for s in subjects)


# --- 16: operational errors in one clear line ------------------------------------------------------------------

def test_an_unreachable_database_is_one_line_and_a_nonzero_exit(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "planning.csv", planning(session()))
    port = closed_port()
    arguments = ["ingest", "--config", str(BACKPACK), "--inbox", str(inbox), "--db",
                 f"postgresql+psycopg://kansenmonitor:geheim@127.0.0.1:{port}/kansenmonitor"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f'fout: database niet bereikbaar of verbinding verbroken: connection failed: connection to server at '
        f'"127.0.0.1", port {port} failed: Connection refused']
    debug = CliRunner().invoke(app, ["--debug", *arguments])
    assert debug.exit_code == 1 and type(debug.exception).__name__ == "OperationalError"


def test_a_mail_server_that_is_down_is_one_line_and_a_nonzero_exit(prefect_harness, sqlite_url, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv("KANSENMONITOR_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KANSENMONITOR_SMTP_PORT", str(closed_port()))
    monkeypatch.setenv("KANSENMONITOR_SMTP_SECURITY", "none")
    result = CliRunner().invoke(app, ["close", "--config", str(BACKPACK), "--period", "2024-2025-H1", "--db",
                                      sqlite_url, "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (last,) = [line for line in result.output.splitlines() if line.startswith("fout:")]
    assert last.startswith("fout: rapporten niet verzonden: ")
    assert "SMTP-server 127.0.0.1" in last and "ConnectionRefusedError" in last


def test_ingest_in_demo_mode_refuses_a_deployment_database_in_one_line(prefect_harness, pg_url, tmp_path,
                                                                       monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "planning.csv", planning(session()))
    arguments = ["ingest", "--config", str(BACKPACK), "--inbox", str(inbox), "--db", pg_url]
    assert CliRunner().invoke(app, arguments).exit_code == 0  # the deployment's own key (conftest)
    write_csv(inbox / "aanwezigheid.csv", attendance(present("1001")))
    monkeypatch.delenv("KANSENMONITOR_PSEUDONYM_KEY")
    result = CliRunner().invoke(app, [*arguments, "--demo"])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "fout: deze database bevat gegevens die met de eigen sleutel van een installatie zijn gepseudonimiseerd; "
        "de openbare demosleutel (--demo) wordt hier geweigerd: zet KANSENMONITOR_PSEUDONYM_KEY")
    with make_engine(pg_url).connect() as conn:
        assert conn.execute(select(Delivery.file_name)).scalars().all() == ["planning.csv"]


# --- 1: a fuzz of values at the database's limits, through the CLI on PostgreSQL ---------------------------------

def _cents(cents: int) -> str:
    sign, cents = ("-" if cents < 0 else ""), abs(cents)
    return f"{sign}{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"


LIMIT = 10**14  # cents: Numeric(14, 2) holds less than 10^12 euros
AMOUNTS = st.one_of(st.integers(LIMIT - 50, LIMIT + 50).map(_cents), st.integers(-LIMIT - 50, -LIMIT + 50).map(_cents),
                    st.integers(-10**16, 10**16).map(_cents),
                    st.sampled_from(["999999999999.99", "1000000000000", "99999999999999999999,99", "0,00"]))
INTEGERS = st.one_of(st.integers(2**31 - 3, 2**31 + 3), st.integers(-2**31 - 3, -2**31 + 3),
                     st.integers(0, 10**12)).map(str)
DATES = st.one_of(st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(lambda d: f"{d.day:02d}-{d.month:02d}-{d.year:04d}"),
                  st.sampled_from(["31-12-9999", "01-01-0001", "00-00-0000", "29-02-2023", "99999", "2023-10-10"]))
TEXTS = st.integers(0, 320).flatmap(lambda n: st.sampled_from(["a", "é", "€", "'", "=", "\u00a0"]).map(lambda c: c * n))


@st.composite
def inbox_at_the_limits(draw) -> tuple[list[list[str]], list[list[str]]]:
    spending = [["Datum", "Wijk", "Bestedingspunt", "Omschrijving", "Bedrag"]] + [
        [draw(DATES), "Coevorden", draw(st.one_of(INTEGERS, st.just("1"))), draw(TEXTS), draw(AMOUNTS)]
        for _ in range(draw(st.integers(1, 4)))]
    partners = [["Tijdstempel", "Wijk", "Organisatie", "Actie", "Voortgang", "Bereik", "Ervaringen", "Resultaten"]] + [
        [draw(DATES) + " 10:00", "Coevorden", draw(TEXTS), draw(TEXTS), "3", draw(INTEGERS), draw(TEXTS), ""]
        for _ in range(draw(st.integers(1, 3)))]
    return spending, partners


@pytest.fixture(scope="module")
def limits_database(prefect_harness, pg_admin_url):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = "km_fuzz_limits"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    migrate(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


RUNS = itertools.count()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(files=inbox_at_the_limits())
def test_values_at_the_database_limits_never_crash_or_block_the_inbox(limits_database, tmp_path_factory, files):
    run = next(RUNS)
    inbox = tmp_path_factory.mktemp("inbox")
    spending, partners = files  # each run's files its own bytes (a free-text column says which run), never duplicates
    write_csv(inbox / f"bestedingen_{run}.csv", [spending[0]] + [[*r[:3], f"{r[3]} #{run}", r[4]] for r in spending[1:]])
    write_csv(inbox / f"partnervragenlijst_{run}.csv", [partners[0]] + [[*r[:7], f"run {run}"] for r in partners[1:]])
    write_csv(inbox / f"zz_goed_{run}.csv", [spending[0], ["10-10-2023", "Coevorden", "1", f"controle {run}", "1,00"]])
    result = CliRunner().invoke(app, ["ingest", "--config", str(COEVORDEN), "--inbox", str(inbox), "--db",
                                      limits_database])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    names = {f"bestedingen_{run}.csv", f"partnervragenlijst_{run}.csv", f"zz_goed_{run}.csv"}
    with make_engine(limits_database).connect() as conn:
        recorded = dict(conn.execute(select(Delivery.file_name, Delivery.status).where(
            Delivery.file_name.in_(names))).all())
    assert set(recorded) == names
    assert recorded[f"zz_goed_{run}.csv"] == "loaded"
    assert set(recorded.values()) <= {"loaded", "rejected"}
