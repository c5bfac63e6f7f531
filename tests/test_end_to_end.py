"""The whole path, as a user runs it: example deliveries → `kansenmonitor run` → indicators, reports, email.

Runs on PostgreSQL and on SQLite through the real CLI and real Prefect flow runs, and the two
databases must give byte-identical `indicators.csv` files.
"""

from __future__ import annotations

import csv
import email
import email.policy
import html
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from kansenmonitor.catalogue import indicator as indicator_info
from kansenmonitor.config import load_config
from kansenmonitor.db import make_engine
from kansenmonitor.dutch import format_value
from sampledata.deliveries import write_examples
from tasks.ingest.failures import failed_rows
from tests.deliveries import attendance, planning, present, session, write_csv

ROOT = Path(__file__).resolve().parent.parent
BACKPACK = ROOT / "config" / "borger-odoorn.yaml"
def indicator_label(indicator_id: str) -> str:
    return indicator_info(indicator_id).label


HEADER = "indicator,scope,scope_name,period,value,numerator,denominator,target,status,previous_value,suppressed"


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    folder = tmp_path_factory.mktemp("examples")
    return write_examples(folder), folder


def run_both_periods(db_url: str, inbox: Path, out: Path) -> list:
    runner = CliRunner()
    results = []
    for period in ("2024-2025-H1", "2024-2025-H2"):
        result = runner.invoke(app, ["run", "--config", str(BACKPACK), "--inbox", str(inbox), "--period", period,
                                     "--db", db_url, "--out", str(out / period)], catch_exceptions=False)
        results.append(result)
    return results


def test_whole_path_gives_identical_indicators_on_postgresql_and_sqlite(prefect_harness, examples, pg_url,
                                                                        sqlite_url, tmp_path):
    written, folder = examples
    inbox = written["borger-odoorn"][0].parent
    outputs = {}
    for name, url in (("postgresql", pg_url), ("sqlite", sqlite_url)):
        results = run_both_periods(url, inbox, tmp_path / name)
        assert [r.exit_code for r in results] == [0, 0], [r.output for r in results]
        outputs[name] = (tmp_path / name / "2024-2025-H2" / "indicators.csv").read_bytes()

    assert outputs["postgresql"] == outputs["sqlite"]
    text = outputs["sqlite"].decode("utf-8")
    assert text.splitlines()[0] == HEADER
    rows = list(csv.DictReader(text.splitlines()))
    indicators = {r["indicator"] for r in rows}
    assert {"veiligheid_kinderen", "themamix", "deelnemers", "opkomst"} <= indicators
    coalition_participants = next(r for r in rows if r["indicator"] == "deelnemers" and r["scope"] == "coalition")
    assert coalition_participants["previous_value"] != ""

    expected_faults = json.loads((folder / "expected_faults.json").read_text())
    quarantined = {(r.file, r.row) for r in failed_rows(make_engine(sqlite_url))}
    backpack_faults = {(f["file"], f["row"]) for f in expected_faults if f["coalition"] == "borger-odoorn"}
    assert backpack_faults <= quarantined

    validation = (tmp_path / "sqlite" / "2024-2025-H2" / "validatie.html").read_text(encoding="utf-8")
    assert '<a href="kwaliteit-2024-2025-H2.html">Datakwaliteit 2024-2025-H2</a>' in validation
    assert "volledigheid" in (tmp_path / "sqlite" / "2024-2025-H2" / "kwaliteit-2024-2025-H2.html").read_text()

    report = tmp_path / "sqlite" / "2024-2025-H2" / "reports" / "2024-2025-H2" / "stuurgroep.html"
    assert "Een veilige omgeving voor kinderen tijdens de activiteiten" in report.read_text(encoding="utf-8")
    # The report shows the figures of indicators.csv: every coalition figure of a goal, as the reader writes it.
    shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<img[^>]*>", " ", report.read_text(
        encoding="utf-8")))).split())
    in_goals = {i for goal in load_config(BACKPACK).goals for i in goal.indicators}
    figures = [(r["indicator"], format_value(r["indicator"], float(r["value"]))) for r in rows
               if r["scope"] == "coalition" and r["indicator"] in in_goals and r["suppressed"] == "false"
               and r["value"]]
    assert len(figures) >= 10
    assert [f for f in figures if f"{indicator_label(f[0])} {f[1]}" not in shown] == []
    messages = sorted((tmp_path / "sqlite" / "2024-2025-H2" / "outbox").glob("*.eml"))
    assert messages, "no email in the outbox"
    stuurgroep = [email.message_from_bytes(m.read_bytes()) for m in messages]
    assert any(m["To"] == "stuurgroep@backpack.example" for m in stuurgroep)
    # Every email of the demo data stays under the size where mail clients clip it, comes from the programme
    # and is answered by the steward.
    assert len(messages) == 5
    for path in messages:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert len(message.get_body(("html",)).get_content().encode("utf-8")) < 100 * 1024, path.name
        assert message["From"] == "Kansenmonitor Backpack Borger-Odoorn <kansenmonitor@backpack.example>"
        assert message["Reply-To"] == "datasteward@backpack.example"


def test_run_rejects_an_unknown_period_with_the_known_ones(sqlite_url, tmp_path):
    result = CliRunner().invoke(app, ["run", "--config", str(BACKPACK), "--inbox", str(tmp_path), "--period",
                                      "2025-H1", "--db", sqlite_url])
    assert result.exit_code == 2
    assert "onbekende periode '2025-H1'; de perioden van het programma zijn: 2024-2025-H1, 2024-2025-H2" in result.output


def test_run_reports_a_broken_configuration(tmp_path):
    config = tmp_path / "kapot.yaml"
    config.write_text("programme: {name: X, kind: npo}\nareas: []\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "--config", str(config), "--inbox", str(tmp_path), "--period", "x"])
    assert result.exit_code == 2
    assert "programme.start: ontbreekt (verplichte sleutel)" in result.output
    assert "areas: moet ten minste 1 element(en) hebben (gekregen: [])" not in result.output
    assert "areas: moet ten minste 1 element(en) hebben" in result.output


def test_a_held_period_sends_nothing_until_the_steward_releases_it(prefect_harness, sqlite_url, tmp_path):
    config = tmp_path / "backpack.yaml"
    config.write_text(BACKPACK.read_text(encoding="utf-8") + "\nquality:\n  hold_reports: true\n", encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "planning.csv", planning(session()))
    write_csv(inbox / "aanwezigheid.csv", attendance(present("1"), present("2")))  # one school of eight delivered
    out = tmp_path / "out"
    runner = CliRunner()
    common = ["--config", str(config), "--period", "2024-2025-H1", "--db", sqlite_url]

    held = runner.invoke(app, ["run", *common, "--inbox", str(inbox), "--out", str(out)], catch_exceptions=False)
    assert held.exit_code == 0, held.output
    assert "stuurgroep: niet verzonden" in held.output
    assert "tegengehouden door de kwaliteitscontrole; bekijk de kwaliteitspagina (kwaliteit-2024-2025-H1.html) en " \
           "geef vrij met 'kansenmonitor release --period 2024-2025-H1'" in held.output
    assert not list((out / "outbox").glob("*.eml"))

    released = runner.invoke(app, ["release", *common, "--door", "Fatima"], catch_exceptions=False)
    assert released.output.strip() == ("De rapportage van 2024-2025-H1 is vrijgegeven door Fatima; de rapporten "
                                       "kunnen worden verstuurd.")
    sent = runner.invoke(app, ["close", *common, "--out", str(out)], catch_exceptions=False)
    assert "stuurgroep: verzonden aan stuurgroep@backpack.example" in sent.output
    assert any(email.message_from_bytes(m.read_bytes())["To"] == "stuurgroep@backpack.example"
               for m in (out / "outbox").glob("*.eml"))
