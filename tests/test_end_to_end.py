"""The whole path, as a user runs it: example deliveries → `kansenmonitor run` → indicators, reports, email.

Runs on PostgreSQL and on SQLite through the real CLI and real Prefect flow runs, and the two
databases must give byte-identical `indicatoren-<period>.csv` files. The figures are checked against values the test
works out itself from the delivered files (read with `csv` and openpyxl, the planted faults left out), for
both programmes, and everything published for a period passes the disclosure checker.
"""

from __future__ import annotations

import csv
import datetime as dt
import email
import email.policy
import html
import json
import re
from pathlib import Path

import openpyxl
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
from tests.disclosure_check import Published, disclosures

ROOT = Path(__file__).resolve().parent.parent
BACKPACK = ROOT / "config" / "borger-odoorn.yaml"
COEVORDEN = ROOT / "config" / "coevorden.yaml"
H1, H2 = "2024-2025-H1", "2024-2025-H2"
PERIOD_END = {H1: dt.date(2024, 12, 31), H2: dt.date(2025, 7, 31)}
FIVE_AREAS = {"Sport", "Cultuur", "Cognitieve ontwikkeling", "Sociale ontwikkeling",
              "Oriëntatie op jezelf en de wereld"}
# Figures about persons, and the range of one person's answer: what a hidden group must not reach together.
ABOUT_PERSONS = {"veiligheid_kinderen": (0, 1), "veiligheid_ouders": (0, 1), "klachtweg_kinderen": (0, 1),
                 "klachtweg_ouders": (0, 1), "bereik": (0, 1), "opkomst": (0, 1), "groepssfeer_aandeel": (0, 1),
                 "groepssfeer": (1, 5)}


def indicator_label(indicator_id: str) -> str:
    return indicator_info(indicator_id).label


HEADER = ("indicator,scope,scope_name,period,value,numerator,denominator,target,status,previous_value,suppressed,"
          "quarantined_rows")


def delivered(path: Path, delimiter: str = ";", encoding: str = "utf-8") -> list[tuple[int, dict[str, str]]]:
    """A delivered CSV's rows with the row number the person sees (the header is row 1)."""
    with path.open(encoding=encoding, newline="") as handle:
        return list(enumerate(csv.DictReader(handle, delimiter=delimiter), start=2))


def planned_themes(path: Path, faulty: set[int]) -> list[tuple[str, str | None]]:
    """The planning workbook's (Thema 1, Thema 2) per session: a title line, an empty line, then the header."""
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[3]]
    return [(row[header.index("Thema 1")], row[header.index("Thema 2")])
            for number, row in enumerate(sheet.iter_rows(min_row=4, values_only=True), start=4)
            if number not in faulty and any(row)]


def euros(text: str) -> float:
    """`€ -1.234,56`, `-1.234,56` or `1234.56` as the ledger's tools write them."""
    text = text.replace("€", "").strip()
    return float(text.replace(".", "").replace(",", ".") if "," in text else text)


def period_rows(path: Path) -> dict[tuple[str, str, str], dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return {(r["indicator"], r["scope"], r["scope_name"]): r for r in csv.DictReader(handle)}


def number(text: str) -> float:
    return float(text) if text else 0.0


def assert_nothing_hidden_can_be_derived(rows: dict, config) -> None:
    """The disclosure checker over every figure about persons the period publishes, for all audiences."""
    coalition = ("coalition", config.programme.name)
    relations = [(coalition, tuple(("area", a.name) for a in config.areas)),
                 *[(("area", a.name), tuple(("school", s.name) for s in a.schools)) for a in config.areas],
                 (coalition, tuple(("school", s) for s in config.schools()))]
    checked = 0
    for indicator, scale in ABOUT_PERSONS.items():
        cells = {(scope, name): Published(number(r["numerator"]), number(r["denominator"]), r["suppressed"] == "false")
                 for (i, scope, name), r in rows.items() if i == indicator}
        assert disclosures(cells, relations, config.min_respondents, scale) == [], indicator
        checked += len(cells)
    assert checked or not any(i in ABOUT_PERSONS for i, _, _ in rows)


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    folder = tmp_path_factory.mktemp("examples")
    return write_examples(folder), folder


def run_both_periods(db_url: str, inbox: Path, out: Path, config: Path = BACKPACK) -> list:
    runner = CliRunner()
    results = []
    for period in (H1, H2):
        result = runner.invoke(app, ["run", "--config", str(config), "--inbox", str(inbox), "--period", period,
                                     "--db", db_url, "--out", str(out)], catch_exceptions=False)
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
        outputs[name] = (tmp_path / name / "indicatoren-2024-2025-H2.csv").read_bytes()

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

    config = load_config(BACKPACK)
    coalition = config.programme.name
    safe = "Mijn kind voelt zich veilig bij de activiteiten"
    for period in (H1, H2):
        published = period_rows(tmp_path / "sqlite" / f"indicatoren-{period}.csv")
        assert_nothing_hidden_can_be_derived(published, config)
        # Complaints about interaction or group dynamics in the delivered file; a planted fault (H2: a category
        # "pesten" that is not in the contract) waits in quarantine and is the caveat beside the figure.
        name = f"klachten_{period}.csv"
        complaints = delivered(inbox / name, ";", "cp1252")
        kept = [r for n, r in complaints if (name, n) not in backpack_faults]
        row = published[("klachten_interactie", "coalition", coalition)]
        assert (number(row["value"]), number(row["denominator"]), int(row["quarantined_rows"])) == (
            sum(r["Categorie"] in ("interactie", "groepsdynamiek") for r in kept), len(kept),
            len(complaints) - len(kept))
        # Development areas: the plan's five among the planned themes; Beroepen en ondernemen does not count.
        name = f"activiteiten_{period}.xlsx"
        themes = planned_themes(inbox / name, {n for f, n in backpack_faults if f == name})
        covered = {t for pair in themes for t in pair if t} & FIVE_AREAS
        row = published[("ontwikkelgebieden", "coalition", coalition)]
        assert (number(row["value"]), number(row["denominator"]), row["target"], row["status"]) == (
            len(covered), 5, "alle 5", "met" if len(covered) == 5 else "not_met")
        # Parents who say their child feels safe: 4 or 5 among those who answered (a planted 6 left out).
        name = f"oudervragenlijst_{period}.csv"
        answers = [int(r[safe]) for n, r in delivered(inbox / name, ",") if (name, n) not in backpack_faults
                   and r[safe]]
        row = published[("veiligheid_ouders", "coalition", coalition)]
        assert (number(row["numerator"]), number(row["denominator"])) == (sum(a >= 4 for a in answers), len(answers))
    assert int(published[("klachten_interactie", "coalition", coalition)]["quarantined_rows"]) == 1

    validation = (tmp_path / "sqlite" / "validatie.html").read_text(encoding="utf-8")
    assert '<a href="kwaliteit-2024-2025-H2.html">Datakwaliteit 2024-2025-H2</a>' in validation
    assert "volledigheid" in (tmp_path / "sqlite" / "kwaliteit-2024-2025-H2.html").read_text()

    report = tmp_path / "sqlite" / "reports" / "2024-2025-H2" / "stuurgroep.html"
    assert "Een veilige omgeving voor kinderen tijdens de activiteiten" in report.read_text(encoding="utf-8")
    # The report shows the figures of indicatoren-<period>.csv: every coalition figure of a goal, as the reader writes it.
    shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<img[^>]*>", " ", report.read_text(
        encoding="utf-8")))).split())
    in_goals = {i for goal in load_config(BACKPACK).goals for i in goal.indicators}
    figures = [(r["indicator"], format_value(r["indicator"], float(r["value"]))) for r in rows
               if r["scope"] == "coalition" and r["indicator"] in in_goals and r["suppressed"] == "false"
               and r["value"]]
    assert len(figures) >= 10
    assert [f for f in figures if f"{indicator_label(f[0])} {f[1]}" not in shown] == []
    messages = sorted((tmp_path / "sqlite" / "outbox").glob("*-2024-2025-H2-*.eml"))
    assert messages, "no email in the outbox"
    stuurgroep = [email.message_from_bytes(m.read_bytes()) for m in messages]
    assert any(m["To"] == "stuurgroep@backpack.example" for m in stuurgroep)
    # Every email of the demo data stays under the size where mail clients clip it, comes from the programme
    # and is answered by the steward.
    assert len(messages) == 6  # stuurgroep, lokale coalitie, 3 kernteams and the report on continuation
    for path in messages:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert len(message.get_body(("html",)).get_content().encode("utf-8")) < 100 * 1024, path.name
        assert message["From"] == "Kansenmonitor Backpack Borger-Odoorn <kansenmonitor@backpack.example>"
        assert message["Reply-To"] == "datasteward@backpack.example"


def test_npo_figures_come_from_the_delivered_ledger_and_partner_questionnaire(prefect_harness, examples, pg_url,
                                                                              sqlite_url, tmp_path):
    written, folder = examples
    inbox = written["coevorden"][0].parent
    config = load_config(COEVORDEN)
    outputs = {}
    for name, url in (("postgresql", pg_url), ("sqlite", sqlite_url)):
        results = run_both_periods(url, inbox, tmp_path / name, COEVORDEN)
        assert [r.exit_code for r in results] == [0, 0], [r.output for r in results]
        outputs[name] = [(tmp_path / name / f"indicatoren-{p}.csv").read_bytes() for p in (H1, H2)]
    assert outputs["postgresql"] == outputs["sqlite"]

    # Coevorden's planted faults: a booking before the programme's start (in the history ledger), an amount
    # "twaalf euro" (H1 ledger) and a reach "ca. 40" (H2 partner questionnaire). None of them counts.
    faults = [f for f in json.loads((folder / "expected_faults.json").read_text()) if f["coalition"] == "coevorden"]
    assert sorted(f["kind"] for f in faults) == ["not_a_number", "outside_programme", "unparseable_amount"]
    planted = {(f["file"], f["row"]) for f in faults}
    assert planted <= {(r.file, r.row) for r in failed_rows(make_engine(sqlite_url))}

    bookings = [(dt.datetime.strptime(r["Datum"], "%d-%m-%Y").date(), config.area_of(r["Wijk"]),
                 int(r["Bestedingspunt"]), euros(r["Bedrag"]))
                for path in sorted(inbox.glob("bestedingen_*.csv"))
                for n, r in delivered(path, ";", "cp1252") if (path.name, n) not in planted]
    start, end = config.programme.start, config.programme.end
    budget = sum(a.budget for a in config.areas)
    for period in (H1, H2):
        rows = period_rows(tmp_path / "sqlite" / f"indicatoren-{period}.csv")
        assert_nothing_hidden_can_be_derived(rows, config)
        name = f"partnervragenlijst_{period}.csv"
        answers = [(config.area_of(r["Wijk"]), int(r["Voortgang"]), r["Pijler"])
                   for n, r in delivered(inbox / name, ",") if (name, n) not in planted]
        # Spending since the start against the elapsed share of the run (31-07-2025 is its last day), within
        # 15 points, in every wijk: the coalition's goal fails where one wijk is behind or ahead.
        elapsed = ((PERIOD_END[period] - start).days + 1) / ((end - start).days + 1)
        off_pace = []
        for area in config.areas:
            spent = round(sum(a for day, wijk, _, a in bookings if wijk == area.name and day <= PERIOD_END[period]), 2)
            row = rows[("besteding", "area", area.name)]
            assert (number(row["numerator"]), number(row["value"])) == (
                pytest.approx(spent, abs=0.005), pytest.approx(spent / area.budget, abs=1e-6)), area.name
            on_pace = abs(spent / area.budget - elapsed) <= 0.15
            assert row["status"] == ("met" if on_pace else "not_met"), area.name
            off_pace += [] if on_pace else [area.name]
            # Partner progress rests on organisations: two or three per wijk are shown, never "too few".
            progress = [p for wijk, p, _ in answers if wijk == area.name]
            row = rows[("voortgang_partners", "area", area.name)]
            assert (number(row["numerator"]), number(row["denominator"]), row["suppressed"]) == (
                sum(progress), len(progress), "false"), area.name
            covered = {pillar for wijk, _, pillar in answers if wijk == area.name and pillar in area.pillars}
            row = rows[("pijlerdekking", "area", area.name)]
            assert (number(row["numerator"]), number(row["denominator"])) == (len(covered), len(area.pillars))
        spent = round(sum(a for day, _, _, a in bookings if day <= PERIOD_END[period]), 2)
        coalition = rows[("besteding", "coalition", config.programme.name)]
        assert number(coalition["value"]) == pytest.approx(spent / budget, abs=1e-6)
        assert coalition["status"] == ("met" if not off_pace and abs(spent / budget - elapsed) <= 0.15 else "not_met")
        for point in range(1, 5):
            on_point = round(sum(a for day, _, p, a in bookings if p == point and day <= PERIOD_END[period]), 2)
            row = rows[(f"besteding_punt_{point}", "coalition", config.programme.name)]
            assert number(row["numerator"]) == pytest.approx(on_point, abs=0.005)
        progress = rows[("voortgang_partners", "coalition", config.programme.name)]
        assert (number(progress["numerator"]), number(progress["denominator"])) == (
            sum(p for _, p, _ in answers), len(answers))
        # The caveat: the two ledger rows in quarantine are of periods up to this one (the early booking's
        # half-year overlaps the run's first month), the partner answer of H2 only.
        assert (coalition["quarantined_rows"], progress["quarantined_rows"]) == ("2", "1" if period == H2 else "0")
    # The stuurgroep reads which wijken are off pace; every kernteam sees its partners' progress.
    report = tmp_path / "sqlite" / "reports" / H2
    shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", (report / "stuurgroep.html").read_text(
        encoding="utf-8"))).split())
    places = off_pace[0] if len(off_pace) == 1 else ", ".join(off_pace[:-1]) + " en " + off_pace[-1]
    assert off_pace and f"niet gehaald in {places}" in shown
    kernteam = (report / "kernteam-coevorden-centrum.html").read_text(encoding="utf-8")
    assert "Voortgang van de acties volgens de partners (1-5)" in kernteam and "te weinig respondenten" not in kernteam


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
