"""What a fresh machine relies on: `make demo`'s command and what it leaves, the local pseudonym key of
`make serve`, the tests' own PostgreSQL, and artifacts that read as Dutch text in the Prefect UI."""

from __future__ import annotations

import email
import os
import stat
import subprocess
import sys
from email.policy import default
from pathlib import Path

import pytest
import tinyhtml5
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from flows.artifacts import cell, indicator_table
from kansenmonitor.local_key import announce
from tasks.indicators.compute import IndicatorRow
from tasks.ingest.pseudonymise import (
    KEY_FILE_VARIABLE,
    KEY_VARIABLE,
    SECRET_BLOCK_VARIABLE,
    MissingKeyError,
    pseudonym_key,
)
from tests.postgres import answers, ensure_database, free_port

BIN = Path(sys.executable).parent


def test_make_demo_leaves_reports_that_open(tmp_path):
    """`make demo` runs `kansenmonitor demo`; here into a temporary folder and database."""
    out, db = tmp_path / "demo", f"sqlite:///{tmp_path / 'demo.db'}"
    done = subprocess.run([str(BIN / "kansenmonitor"), "demo", "--out", str(out), "--db", db], capture_output=True,
                          text=True, timeout=900,
                          # a machine busy with the rest of the suite starts Prefect's temporary server slowly
                          env=dict(os.environ, COLUMNS="500", PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    printed = [Path(line.split(": ", 1)[1]) for line in done.stdout.splitlines()
               if line.startswith(("rapport: ", "indicatoren: ", "validatierapport: "))]
    assert printed and all(path.is_file() for path in printed)
    for coalition in ("borger-odoorn", "coevorden"):
        pages = sorted((out / coalition).rglob("*.html"))
        pdfs = sorted((out / coalition).rglob("*.pdf"))
        mails = sorted((out / coalition).rglob("outbox/*.eml"))
        assert out / coalition / "validatie.html" in pages
        assert (out / coalition / "reports" / "2024-2025-H2" / "stuurgroep.pdf") in pdfs
        assert pdfs and mails
        for page in pages:
            body = tinyhtml5.parse(page.read_bytes()).find("{http://www.w3.org/1999/xhtml}body")
            assert body is not None and "".join(body.itertext()).strip(), page
        for pdf in pdfs:
            assert pdf.read_bytes().startswith(b"%PDF-"), pdf
        for mail in mails:
            message = email.message_from_bytes(mail.read_bytes(), policy=default)
            assert message["Subject"] and message["To"], mail
            assert [part.get_content_type() for part in message.iter_attachments()] == ["application/pdf"], mail


@pytest.fixture
def no_deployment_key(monkeypatch):
    for variable in (KEY_VARIABLE, SECRET_BLOCK_VARIABLE, KEY_FILE_VARIABLE):
        monkeypatch.delenv(variable, raising=False)


def test_a_local_key_is_made_once_readable_by_its_owner_only(no_deployment_key, monkeypatch, tmp_path):
    key_file = tmp_path / "var" / "pseudonym.key"

    first = announce(key_file)
    written = key_file.read_text(encoding="utf-8")
    second = announce(key_file)

    assert first.startswith(f"pseudonimisering: nieuwe lokale sleutel aangemaakt in {key_file}")
    assert second == f"pseudonimisering: de lokale sleutel in {key_file}"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text(encoding="utf-8") == written and len(written.strip()) == 43  # 32 random bytes
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(key_file))
    assert pseudonym_key() == written.strip().encode("utf-8")


def test_a_deployment_key_wins_and_no_local_key_is_made(no_deployment_key, monkeypatch, tmp_path):
    key_file = tmp_path / "pseudonym.key"
    key_file.write_text("lokale-sleutel\n", encoding="utf-8")
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(key_file))
    monkeypatch.setenv(KEY_VARIABLE, "sleutel-van-de-deployment-van-32-bytes")

    assert pseudonym_key() == b"sleutel-van-de-deployment-van-32-bytes"
    other = tmp_path / "ander.key"
    assert announce(other).startswith("pseudonimisering: de sleutel van de deployment")
    assert not other.exists()


def test_a_named_key_file_that_is_missing_is_refused(no_deployment_key, monkeypatch, tmp_path):
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(tmp_path / "weg.key"))
    with pytest.raises(MissingKeyError, match=f"the key file {tmp_path / 'weg.key'}"):
        pseudonym_key()


def test_the_tests_create_their_database_when_the_server_lacks_it(pg_admin_url):
    url = make_url(pg_admin_url).set(database="km_setup_probe").render_as_string(hide_password=False)
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    try:
        assert ensure_database(url) == url
        assert ensure_database(url) == url  # a second time finds it
        with admin.connect() as conn:
            found = conn.execute(text("SELECT count(*) FROM pg_database WHERE datname = 'km_setup_probe'"))
            assert found.scalar() == 1
    finally:
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "km_setup_probe" WITH (FORCE)'))
        admin.dispose()
    assert answers(pg_admin_url)
    assert not answers(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")


def test_artifact_cells_read_as_text_with_dutch_figures():
    VOG = "Structurele begeleiders met een geldige VOG"
    rows = [IndicatorRow("vog_dekking", "area", "Nieuw-Buinen", "2024-2025-H2", 0.0981012658227848, 31, 316,
                         ">= 90%", "not_met", None),
            IndicatorRow("vog_dekking", "area", "Valthermond", "2024-2025-H2", 0.5, 2, 4,
                         "> 2, uiterlijk 31-07-2025", "no_data", None, suppressed=True)]

    assert indicator_table(rows) == [
        {"indicator": VOG, "voor": "Nieuw-Buinen", "waarde": "10%", "doel": "≥ 90%", "status": "niet gehaald",
         "in quarantaine": "0"},
        {"indicator": VOG, "voor": "Valthermond", "waarde": "onderdrukt (te weinig waarnemingen)",
         "doel": "\\> 2, uiterlijk 31-07-2025", "status": "geen gegevens", "in quarantaine": "0"}]
    assert cell("activiteiten_*2025*.xlsx") == "activiteiten\\_\\*2025\\*.xlsx"
    assert cell("# 1. kop") == "\\# 1. kop"
