"""The lokale coalitie's own voice: its interpretation per goal, delivered as a sheet in the inbox or recorded with
`kansenmonitor duiding`, reaches the stuurgroep under the goal it is about, saying who interpreted and who
approved it; escaped, and withheld whole when it names a person from the registers."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from typer.testing import CliRunner

from flows.cli import app
from kansenmonitor.db import Delivery, Interpretation, QuarantinedRow, QuarantineReason
from tasks.ingest.files import ingest_file
from tests.conftest import ROOT
from tests.deliveries import write_csv, write_xlsx
from tests.reporting import render_reports

KEY = b"test-key"
H2 = "2024-2025-H2"
HEADER = ["Periode", "Doel", "Duiding", "Door", "Goedgekeurd door"]
APPROVED = "Lokale coalitie, overleg van 9 september 2025"


def page_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def section(html: str, goal: int) -> str:
    """The text of one goal's section of a report: from its heading to the next one."""
    start = html.index(f'id="doel-{goal}"')
    end = html.find('id="doel-', start + 1)
    return page_text(html[start:end if end > 0 else html.index('id="leren"')])


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_interpretations_from_the_inbox_and_the_command_line_reach_the_stuurgroep(engine, db_url, backpack,
                                                                                  tmp_path):
    config_path = str(ROOT / "config" / "borger-odoorn.yaml")
    register = write_csv(tmp_path / "begeleiders.csv", [["Naam", "Organisatie", "Structureel", "VOG-datum"],
                                                         ["Jan de Vries", "Andes", "ja", "05-01-2024"]])
    assert ingest_file(engine, backpack, register, KEY).rows_loaded == 1
    sheet = write_xlsx(tmp_path / "duidingen.xlsx", [
        HEADER,
        # goal 1 by number, approved; markup in the text stays text
        [H2, "1", "Kinderen voelen zich veilig <b>genoeg</b>.\n\nWe volgen Valthermond.", "M. Bakker", APPROVED],
        # goal 7 by its title, not approved yet
        [H2, "Verhogen van het aantal deelnemers", "Werven via de leerkrachten.", "A. Smit", ""],
        # names a supervisor of the register: withheld whole
        [H2, "4", "Meneer de Vries plant te weinig thema's.", "A. Smit", APPROVED],
        # a period outside the programme and a goal the plan does not have: quarantined with their reasons
        ["2023-2024-H2", "2", "Te vroeg.", "A. Smit", ""],
        [H2, "9", "Geen doel.", "A. Smit", ""],
    ], sheet="Duidingen")
    result = ingest_file(engine, backpack, sheet, KEY)
    assert (result.source, result.rows_read, result.rows_loaded, result.rows_quarantined) == \
        ("duidingen", 5, 3, 2)
    with engine.connect() as conn:
        reasons = sorted(conn.execute(select(QuarantinedRow.row_number, QuarantineReason.column_name,
                                             QuarantineReason.reason).join(QuarantinedRow)).all())
    assert reasons == [
        (5, "Periode", "periode '2023-2024-H2' is onbekend; de perioden van het programma zijn: 2024-2025-H1, "
                       "2024-2025-H2"),
        (6, "Doel", "doel '9' is onbekend; noem het nummer (1 tot en met 7) of de titel zoals in het rapport"),
    ]

    recorded = invoke("duiding", "--config", config_path, "--periode", H2, "--doel", "2", "--tekst",
                      "Geen klachten; de sfeer is goed.", "--door", "P. de Boer", "--db", db_url)
    assert recorded.exit_code == 0, recorded.output
    assert recorded.output == ("duiding vastgelegd voor 'Onderlinge dynamiek en goede interactie met de "
                               "begeleiders' (2024-2025-H2): door P. de Boer, nog niet goedgekeurd\n")
    approved = invoke("duiding", "--config", config_path, "--periode", H2, "--doel", "2",
                      "--goedgekeurd-door", APPROVED, "--db", db_url)
    assert approved.exit_code == 0, approved.output
    assert approved.output.endswith(f"door P. de Boer, goedgekeurd door {APPROVED}\n")
    nothing = invoke("duiding", "--config", config_path, "--periode", H2, "--doel", "5",
                     "--goedgekeurd-door", APPROVED, "--db", db_url)
    assert nothing.exit_code == 2
    assert nothing.output == ("fout: er is nog geen duiding van doel 'Aansluiten bij de behoeften van scholen en "
                              "kinderen' over 2024-2025-H2 om goed te keuren; geef eerst de duiding met --tekst en "
                              "--door\n")
    with engine.connect() as conn:
        # the approval is a new version of the record; the first stays, superseded, with its own ledger row
        versions = conn.execute(select(Interpretation.approved_by, Interpretation.superseded_by.is_(None))
                                .where(Interpretation.goal.like("Onderlinge%")).order_by(Interpretation.id)).all()
        command_line = conn.scalar(select(func.count()).select_from(Delivery)
                                   .where(Delivery.file_name == "kansenmonitor duiding (opdrachtregel)"))
    assert versions == [(None, False), (APPROVED, True)] and command_line == 2

    built = {r.name: r.html_path.read_text("utf-8") for r in render_reports(
        engine, backpack, H2, tmp_path / "out", ["stuurgroep", "lokale_coalitie", "kernteam", "vervolgbesluit"])}
    stuurgroep = built["stuurgroep"]
    assert "Duiding van de lokale coalitie Kinderen voelen zich veilig <b>genoeg</b>. We volgen Valthermond. " \
           f"Geduid door M. Bakker; goedgekeurd door {APPROVED}." in section(stuurgroep, 1).replace(
               "&lt;", "<").replace("&gt;", ">")
    assert "&lt;b&gt;genoeg&lt;/b&gt;" in stuurgroep and "<b>genoeg</b>" not in stuurgroep
    assert "<p>We volgen Valthermond.</p>" in stuurgroep  # a blank line starts a new paragraph
    assert "Duiding van de lokale coalitie Geen klachten; de sfeer is goed. Geduid door P. de Boer; goedgekeurd " \
           f"door {APPROVED}." in section(stuurgroep, 2)
    assert "Werven via de leerkrachten. Geduid door A. Smit; nog niet goedgekeurd." in section(stuurgroep, 7)
    fourth = section(stuurgroep, 4)
    assert "De duiding is niet opgenomen omdat die de naam van een persoon uit de registers bevat. Geduid door " \
           f"A. Smit; goedgekeurd door {APPROVED}." in fourth
    assert "Vries" not in fourth and "plant te weinig" not in fourth
    assert "Werven via de leerkrachten." in page_text(built["lokale_coalitie"])
    for name in ("kernteam-valthermond", "kernteam-nieuw-buinen"):
        # (the quality appendix names the source "Duiding van de lokale coalitie per doel": not the section)
        assert "<h3>Duiding van de lokale coalitie</h3>" not in built[name] and "Geduid door" not in built[name]
    # the report on continuation shows only what the lokale coalitie approved
    continuation = page_text(built["vervolgbesluit"])
    assert "We volgen Valthermond." in continuation and "Werven via de leerkrachten." not in continuation


def test_an_interpretation_needs_a_writer_and_a_known_goal(engine, db_url, tmp_path):
    config_path = str(ROOT / "config" / "coevorden.yaml")
    no_writer = invoke("duiding", "--config", config_path, "--periode", H2, "--doel", "1", "--tekst", "Goed.",
                       "--db", db_url)
    assert (no_writer.exit_code, no_writer.output) == (2, "fout: zeg met --door wie de duiding schreef\n")
    unknown = invoke("duiding", "--config", config_path, "--periode", H2, "--doel", "Betere scholen", "--tekst",
                     "Goed.", "--door", "X", "--db", db_url)
    assert (unknown.exit_code, unknown.output) == (
        2, "fout: doel 'Betere scholen' is onbekend; noem het nummer (1 tot en met 3) of de titel zoals in het "
           "rapport\n")
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Interpretation)) == 0
