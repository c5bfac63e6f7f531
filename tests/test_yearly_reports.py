"""The reports the plans name once a school year, and what the NPO plan asks per wijk: the jaarverslag to college
and gemeenteraad puts both half-years side by side with the euros per bestedingspunt against the budget; every
NPO report names the chosen pillars no action served; a figure hidden only to protect another says so."""

from __future__ import annotations

import datetime as dt
import html
import re

from sqlalchemy import insert

from kansenmonitor.db import Delivery, IndicatorValue, PartnerResponse
from tasks.indicators.compute import compute_indicators, store_indicators
from tasks.ingest.files import ingest_file
from tests.deliveries import write_csv
from tests.reporting import STYLESHEET, Styles, render_reports

H1, H2 = "2024-2025-H1", "2024-2025-H2"
NOW = dt.datetime(2025, 8, 1, 9, 0)

# (period, indicator, wijk or "" for the coalition, value, numerator, denominator)
SPENDING = [
    (H1, "besteding", "Coevorden", 20000.00 / 39604.25, 20000.00, 39604.25),
    (H2, "besteding", "Coevorden", 30000.40 / 39604.25, 30000.40, 39604.25),
    (H2, "besteding_punt_1", "Coevorden", 10000.00 / 39604.25, 10000.00, 39604.25),
    (H2, "besteding_punt_2", "Coevorden", 5000.40 / 39604.25, 5000.40, 39604.25),
    (H2, "besteding_punt_3", "Coevorden", 15000.00 / 39604.25, 15000.00, 39604.25),
    (H1, "besteding", "", 0.5, 180000.00, 360000.00),
    (H2, "besteding", "", 0.75, 270000.00, 360000.00),
    (H1, "pijlerdekking", "Coevorden", 0.2, 1, 5),
    (H2, "pijlerdekking", "Coevorden", 0.4, 2, 5),
    (H1, "voortgang_partners", "Coevorden", 2.5, None, 4),
    (H2, "voortgang_partners", "Coevorden", 3.5, None, 4),
]
# Actions partners reported in the second half-year: two of Coevorden's five pillars, none in Coevorden Centrum.
ACTIONS = [("Coevorden", "Voorleesochtend", "Taalvaardigheid"), ("Coevorden", "Theaterweek", "Cultuur"),
           ("Aalden en Zweeloo", "Ouderkoffie", "Ouderbetrokkenheid")]


def page_text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def seed_npo(engine, config) -> None:
    with engine.begin() as conn:
        conn.execute(insert(IndicatorValue), [
            dict(coalition=config.slug, period=p, indicator=i, scope="area" if area else "coalition",
                 scope_name=area, value=v, numerator=num, denominator=den, target="", status="no_data",
                 previous_value=None, suppressed=False, computed_at=NOW)
            for p, i, area, v, num, den in SPENDING])
        delivery = conn.scalar(insert(Delivery).returning(Delivery.id).values(
            coalition=config.slug, source="partnervragenlijst", file_name="partners.csv", sha256="b" * 64,
            size_bytes=100, received_at=NOW, status="loaded", rows_read=3, rows_loaded=3, rows_quarantined=0))
        conn.execute(insert(PartnerResponse), [dict(
            coalition=config.slug, period=H2, record_key=f"r{n}", source_row=n + 2, delivery_id=delivery,
            submitted_at=NOW, area=area, organisation="Bibliotheek", action=action, pillar=pillar, progress=4,
            reach=20, experiences=None, results=None) for n, (area, action, pillar) in enumerate(ACTIONS)])


def test_the_jaarverslag_has_both_half_years_and_euros_per_bestedingspunt_against_the_budget(engine, coevorden,
                                                                                             tmp_path):
    seed_npo(engine, coevorden)
    first = render_reports(engine, coevorden, H1, tmp_path / "h1", None)
    assert "jaarverslag" not in {r.name for r in first}  # only at the close of the school year's last half
    built = {r.name: r for r in render_reports(engine, coevorden, H2, tmp_path / "h2", None)}
    report = built["jaarverslag"]
    page = Styles(report.html_path.read_text("utf-8"))
    assert (page.attributes, page.sheets) == ([], [STYLESHEET])  # styled by the stylesheet alone, as every report
    assert report.recipients == ["griffie@coevorden.example", "college@coevorden.example"]
    assert report.subject == "Kansenmonitor NPO Coevorden — tweede halfjaar 2024-2025 (januari–juli 2025) — " \
                             "jaarverslag"
    text = page_text(report.html_path.read_text("utf-8"))
    assert "Jaarverslag 2024-2025" in text
    assert "Dit verslag is voor het college van burgemeester en wethouders en de gemeenteraad van Coevorden." in text
    # both half-years side by side: 180,000 of 360,000 is 50%, then 270,000 is 75%
    assert "Eerste halfjaar 2024-2025 Tweede halfjaar 2024-2025 Doel Oordeel Besteed deel van het wijkbudget " \
           "50% 75%" in text
    # since the start, per bestedingspunt: punt 4 has no booking (€ 0); 39,604.25 − 30,000.40 = 9,603.85 left
    assert "Besteding per wijk en bestedingspunt, van de start tot en met het tweede halfjaar 2024-2025 (bedragen " \
           "in euro's) Wijk Punt 1 Punt 2 Punt 3 Punt 4 Besteed Budget Nog te besteden" in text
    assert "Coevorden 10.000 5.000 15.000 0 30.000 39.604 9.604" in text
    assert "Punt 4: Initiatieven van ouders en leerlingen uit de wijk." in text
    # per half-year: the running totals, and 30,000.40 − 20,000.00 = 10,000.40 in the second half
    assert "Besteed tot en met eerste halfjaar 2024-2025 Besteed tot en met tweede halfjaar 2024-2025 Besteed in " \
           "het tweede halfjaar 2024-2025" in text
    assert "Coevorden 20.000 30.000 10.000" in text
    assert "Hele coalitie 180.000 270.000 90.000" in text
    # the partners' progress per wijk in both half-years, with the actions and their pillar
    assert "Coevorden 2,5 3,5 Theaterweek (Cultuur); Voorleesochtend (Taalvaardigheid)" in text
    assert "Coevorden Centrum geen gegevens geen gegevens geen acties gemeld" in text


def test_pillars_without_an_action_are_named(engine, coevorden, tmp_path):
    seed_npo(engine, coevorden)
    built = {r.name: page_text(r.html_path.read_text("utf-8")) for r in render_reports(
        engine, coevorden, H2, tmp_path, ["stuurgroep", "kernteam"])}
    expected = "Gekozen pijlers waar in het tweede halfjaar 2024-2025 geen actie aan werkte: Coevorden: Verbeteren " \
               "lokale samenwerking, Ouderbetrokkenheid en Bewegend leren Coevorden Centrum: geen acties gemeld " \
               "Aalden en Zweeloo: Verbeteren lokale samenwerking, Taalvaardigheid, Bewegen en Cultuur"
    assert expected in built["stuurgroep"]
    own = built["kernteam-coevorden"]
    assert "geen actie aan werkte: Coevorden: Verbeteren lokale samenwerking, Ouderbetrokkenheid en Bewegend " \
           "leren" in own
    assert "Coevorden Centrum: geen acties gemeld" not in own
    # a kernteam's spending table is its own wijk only
    assert "Coevorden 10.000 5.000 15.000 0 30.000 39.604 9.604" in own
    assert "Hele coalitie 270.000" not in own


CHILD_HEADER = ["ID", "Tijd van voltooien", "Op welke school zit je?", "In welke groep zit je?",
                "Ik voel me veilig bij de activiteiten", "Ik weet bij wie ik terecht kan als er iets is",
                "Hoe leuk vond je de activiteiten?"]


def test_a_figure_hidden_to_protect_another_says_so(engine, backpack, tmp_path):
    # Valthermond: 5 children of OBS de Aanloop (too few) and 12 of CKC Rehoboth. Showing Rehoboth and
    # Valthermond (17) would give Aanloop away by subtraction, so Rehoboth, the smaller of the two, is hidden too:
    # not for its own size, and its reader must not be told it had too few respondents.
    rows = [[f"a{n}", "10-03-2025 10:00", "OBS de Aanloop", 6, "Ja" if n < 3 else "Nee", "Ja", 4] for n in range(5)]
    rows += [[f"r{n}", "10-03-2025 11:00", "CKC Rehoboth", 6, "Ja" if n < 9 else "Nee", "Ja", 4] for n in range(12)]
    path = write_csv(tmp_path / "kindvragenlijst.csv", [CHILD_HEADER, *rows])
    assert ingest_file(engine, backpack, path, b"test-key").rows_loaded == 17
    from kansenmonitor.periods import parse_period

    computed = compute_indicators(engine, backpack, parse_period(H2, backpack))
    store_indicators(engine, backpack, computed)
    cells = {r.scope_name: (r.suppressed, r.protective) for r in computed if r.indicator == "veiligheid_kinderen"}
    assert cells["OBS de Aanloop"] == (True, False)
    assert cells["CKC Rehoboth"] == (True, True)
    assert cells["Valthermond"] == (False, False)
    built = {r.name: r.html_path.read_text("utf-8") for r in render_reports(engine, backpack, H2, tmp_path / "out",
                                                                           ["lokale_coalitie"])}
    text = page_text(built["lokale_coalitie"])
    assert "OBS de Aanloop te weinig respondenten (minder dan 10)" in text
    assert "CKC Rehoboth niet getoond, ter bescherming van een ander cijfer" in text
    assert "CKC Rehoboth te weinig respondenten" not in text
    # 12 of 17 felt safe in Valthermond: 71%, shown
    assert "Valthermond 71%" in text


def test_a_yearly_report_asked_for_outside_its_period_is_refused_in_dutch(engine, db_url, tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app
    from tests.conftest import ROOT

    result = CliRunner().invoke(app, ["report", "--config", str(ROOT / "config" / "coevorden.yaml"), "--period", H1,
                                      "--audience", "jaarverslag", "--preview", "--db", db_url, "--out",
                                      str(tmp_path)], env={"COLUMNS": "300"})
    assert result.exit_code == 2
    assert result.output == ("fout: geen jaarverslag voor 2024-2025-H1: een jaarrapport hoort bij de perioden die "
                             "reporting.yearly noemt (standaard het laatste halfjaar van een schooljaar), en alleen "
                             "als het daar staat\n")
