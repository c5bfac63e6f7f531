"""The command line speaks Dutch to the people who use it, refuses a database that is not there, and tells
scripts by its exit code whether failures remain."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from flows.cli import app
from tests.conftest import ROOT
from tests.deliveries import planning, session, write_csv

BACKPACK = ROOT / "config" / "borger-odoorn.yaml"
COMMANDS = ["ingest", "close", "run", "failures", "explain", "report", "release", "duiding", "migrate", "demo"]
ENGLISH = re.compile(r"\b(the|and|with|write|file|folder|only|include|default|allow|render|bring|show|output|"
                     r"this|each|every|period|reports?|send|sent)\b")


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "120"})


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and result.output == "kansenmonitor 0.1.0\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_text_is_dutch(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    # Our own words: the command's description and every option's text (typer's own "Usage", "Options",
    # "[required]" and "Show this message and exit." aside).
    ours = "\n".join(line.replace("[required]", "") for line in result.output.splitlines()
                     if not line.startswith(("Usage:", "Options:", "Arguments:")) and "Show this message" not in line)
    assert ours.strip()
    assert not ENGLISH.findall(re.sub(r"--[\w-]+", "", ours).lower()), ours


def test_a_missing_configuration_is_one_dutch_error(tmp_path):
    result = invoke("failures", "--config", str(tmp_path / "weg.yaml"))
    assert result.exit_code == 2
    assert result.output == f"fout: {tmp_path / 'weg.yaml'}: configuratiebestand niet gevonden\n"


def test_read_only_commands_refuse_a_sqlite_file_that_does_not_exist(tmp_path):
    missing = tmp_path / "var" / "nope.db"
    for args in (["failures"], ["explain", "deelnemers", "--config", str(BACKPACK), "--period", "2024-2025-H1",
                                "--scope-name", "Valthermond"],
                 ["release", "--config", str(BACKPACK), "--period", "2024-2025-H1"]):
        result = invoke(*args, "--db", f"sqlite:///{missing}")
        assert result.exit_code == 2, result.output
        assert result.output.startswith(f"fout: database sqlite:///{missing} bestaat niet (geen bestand {missing})")
    assert not missing.exists() and not missing.parent.exists()


def test_read_only_commands_refuse_a_postgresql_database_that_does_not_exist(pg_admin_url):
    name = f"km_missing_{uuid.uuid4().hex[:8]}"
    url = make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    result = invoke("failures", "--db", url)
    assert result.exit_code == 2
    assert result.output.startswith("fout: database postgresql+psycopg://")
    assert f"/{name} bestaat niet; controleer --db of KANSENMONITOR_DATABASE_URL\n" in result.output
    admin = create_engine(pg_admin_url)
    with admin.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}).scalar() == 0
    admin.dispose()


def test_an_empty_sqlite_file_is_named_as_having_no_tables(tmp_path):
    empty = tmp_path / "leeg.db"
    empty.touch()
    result = invoke("failures", "--db", f"sqlite:///{empty}")
    assert result.exit_code == 2
    assert "bevat geen kansenmonitor-tabellen; maak ze eerst aan met 'kansenmonitor migrate --db ...'" in result.output


def test_ingest_reports_in_dutch_status_words_and_streng_exits_1_on_open_failures(prefect_harness, sqlite_url,
                                                                                  tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "planning.csv", planning(session(), session(area="Emmen", title="Hockey")))
    write_csv(inbox / "kapot.csv", [["Naam", "Leeftijd"], ["x", "9"]])
    common = ["ingest", "--config", str(BACKPACK), "--inbox", str(inbox), "--db", sqlite_url]

    first = invoke(*common)
    assert first.exit_code == 0, first.output
    assert re.search(r"planning\.csv\s+│\s+activiteiten\s+│\s+geladen\s+│\s+2\s+│\s+1\s+│\s+1", first.output)
    assert re.search(r"kapot\.csv\s+│\s+-\s+│\s+geweigerd", first.output)
    assert not re.search(r"\b(loaded|rejected|duplicate)\b", first.output)

    again = invoke(*common, "--streng")
    assert again.exit_code == 1
    assert re.search(r"planning\.csv\s+│\s+-\s+│\s+al eerder", again.output)
    assert "1 rij staat nog open in quarantaine (--streng)" in again.output
