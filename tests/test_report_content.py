"""What the reports say, read as a policy reader reads them: intervals and changes worked out by hand,
advice that names the place behind a miss, ideas grouped, remarks naming a person withheld, and in a real
browser every figure of `indicatoren-<period>.csv` meant for an audience in its scorecard and no suppressed one."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import insert
from typer.testing import CliRunner

from flows.cli import app
from kansenmonitor.config import load_config, slug
from kansenmonitor.db import ChildResponse, Delivery, IndicatorValue, ParentResponse, Supervisor
from sampledata.deliveries import write_examples
from tests.reporting import render_reports

H1, H2 = "2024-2025-H1", "2024-2025-H2"
ROOT = Path(__file__).resolve().parent.parent
BACKPACK = ROOT / "config" / "borger-odoorn.yaml"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--no-first-run"]
NOW = dt.datetime(2025, 8, 1, 9, 0)

# (period, indicator, scope, scope_name, value, numerator, denominator, status)
FIGURES = [
    # 53 of 64 children, then 62 of 64: Wilson 62/64 is 89.3%–99.1%; Newcombe's interval of the difference
    # 14.1 points is 3.5 to 24.3 points, so it excludes 0 and the rise is real.
    (H1, "veiligheid_kinderen", "coalition", "", 53 / 64, 53, 64, "not_met"),
    (H2, "veiligheid_kinderen", "coalition", "", 62 / 64, 62, 64, "met"),
    # 33 of 37 parents, then 34 of 37: 89% to 92%, well within the noise of two samples of 37.
    (H1, "veiligheid_ouders", "coalition", "", 33 / 37, 33, 37, "not_met"),
    (H2, "veiligheid_ouders", "coalition", "", 34 / 37, 34, 37, "met"),
    (H2, "vog_dekking", "coalition", "", 7 / 9, 7, 9, "not_met"),
    (H1, "deelnemers", "coalition", "", 93, None, None, "no_data"),
    (H2, "deelnemers", "coalition", "", 155, None, None, "not_met"),
    (H1, "deelnemers", "area", "Valthermond", 20, None, None, "no_data"),
    (H2, "deelnemers", "area", "Valthermond", 14, None, None, "not_met"),
    (H1, "deelnemers", "area", "2e Exloërmond", 25, None, None, "no_data"),
    (H2, "deelnemers", "area", "2e Exloërmond", 72, None, None, "met"),
    (H1, "deelnemers", "area", "Nieuw-Buinen", 48, None, None, "no_data"),
    (H2, "deelnemers", "area", "Nieuw-Buinen", 69, None, None, "met"),
    (H2, "bereik", "area", "Nieuw-Buinen", 69 / 751, 69, 751, "not_met"),
]
IDEAS = [("OBS de Aanloop", "Paardrijden"), ("OBS de Aanloop", "paardrijden!"), ("CKC Rehoboth", " Paardrijden "),
         ("CKC Rehoboth", "Voetbal"), ("CKC Rehoboth", "voetbal"), ("OBS de Aanloop", "Koken")]
REMARKS = ["Meneer De Vries was erg streng.", "Meer buiten graag <b>!</b>", "Meer buiten graag <b>!</b>"]


def page_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def seed(engine, config) -> None:
    targets = {"veiligheid_kinderen": "minimaal 90%", "veiligheid_ouders": "minimaal 90%", "vog_dekking": "alle",
               "deelnemers": "meer dan het vorige meetmoment", "bereik": "minimaal 25%"}
    with engine.begin() as conn:
        conn.execute(insert(IndicatorValue), [
            dict(coalition=config.slug, period=p, indicator=i, scope=s, scope_name=n, value=v, numerator=num,
                 denominator=den, target=targets[i], status=st, previous_value=None, suppressed=False,
                 computed_at=NOW) for p, i, s, n, v, num, den, st in FIGURES])
        delivery = conn.scalar(insert(Delivery).returning(Delivery.id).values(
            coalition=config.slug, source="kindvragenlijst", file_name="kind.xlsx", sha256="a" * 64,
            size_bytes=1000, received_at=NOW, status="loaded", rows_read=6, rows_loaded=6, rows_quarantined=0))
        conn.execute(insert(ChildResponse), [dict(
            coalition=config.slug, period=H2, record_key=f"c{n}", source_row=n + 2, delivery_id=delivery,
            response_id=f"c{n}", completed_at=NOW, school=school, area="Valthermond", school_group=6,
            feels_safe="Ja", knows_where_to_go="Ja", enjoyment=5, idea=idea) for n, (school, idea) in enumerate(IDEAS)])
        conn.execute(insert(ParentResponse), [dict(
            coalition=config.slug, period=H2, record_key=f"p{n}", source_row=n + 2, delivery_id=delivery,
            submitted_at=NOW, school="OBS de Aanloop", area="Valthermond", feels_safe=5,
            knows_where_to_complain="Ja", satisfaction=5, remark=remark) for n, remark in enumerate(REMARKS)])
        conn.execute(insert(Supervisor), [dict(
            coalition=config.slug, period=H2, record_key="s1", source_row=2, delivery_id=delivery,
            name="Jan de Vries", organisation="Andes", structural=True, vog_date=dt.date(2024, 1, 5))])


@pytest.fixture
def reports(engine, backpack, tmp_path):
    seed(engine, backpack)
    built = render_reports(engine, backpack, H2, tmp_path, ["stuurgroep", "lokale_coalitie", "kernteam"])
    return {r.name: page_text(r.html_path.read_text("utf-8")) for r in built} | {
        f"{r.name}.html": r.html_path.read_text("utf-8") for r in built}


def test_a_questionnaire_share_carries_its_wilson_interval(reports):
    # 62 of 64: p = 0.96875, z = 1.96; centre (p + z²/2n) / (1 + z²/n) = 0.94222, half-width 0.04918.
    assert "97% 62 van 64 marge 89%–99%" in reports["stuurgroep"]
    # 34 of 37: centre 0.87950, half-width 0.09253 → 78.7% to 97.2%.
    assert "92% 34 van 37 marge 79%–97%" in reports["stuurgroep"]
    assert "Bij 46 van de 50 kinderen (92%) is de marge bijvoorbeeld 81%–97%." in reports["stuurgroep"]


def test_a_change_beyond_the_noise_rises_and_one_within_it_stays_equal(reports):
    text = reports["stuurgroep"]
    assert "Kinderen die zich veilig voelen bij de activiteiten: gehaald; gestegen van 83% naar 97%." in text
    assert "Ouders die zeggen dat hun kind zich veilig voelt: gehaald; gelijk gebleven binnen de " \
           "meetonzekerheid, van 89% naar 92%." in text
    # Leren names only the real change: the children's share crossed the target, the parents' did within the noise.
    assert "Kinderen die zich veilig voelen bij de activiteiten haalt nu de doelstelling, van 83% naar 97%, " \
           "+14 procentpunt." in text
    assert "Ouders die zeggen dat hun kind zich veilig voelt haalt nu de doelstelling" not in text
    # Both intervals span the 90% target: 89.3%–99.1% and 78.7%–97.2%.
    assert "Binnen de meetonzekerheid is niet zeker of het doel werkelijk gehaald of gemist is voor: Kinderen die " \
           "zich veilig voelen bij de activiteiten: 97%, marge 89%–99%; Ouders die zeggen dat hun kind zich veilig " \
           "voelt: 92%, marge 79%–97%." in text


def test_advice_names_the_place_behind_a_miss_and_differs_per_kernteam(reports):
    assert "Kinderen die minstens één keer meededen: niet gehaald in Valthermond (14, was 20)." \
        in reports["stuurgroep"]
    assert "Het verst achter: Valthermond haalt op 1 indicator het doel niet" in reports["stuurgroep"]
    # Nieuw-Buinen grew from 48 to 69: no recruitment advice for villages without growth, but its own reach.
    nieuw_buinen = reports["kernteam-nieuw-buinen"]
    assert "Werf gericht in de dorpen zonder groei" not in nieuw_buinen
    assert "Werf in de groepen en op de scholen waar weinig kinderen meedoen." in nieuw_buinen
    assert "Werf gericht in de dorpen zonder groei" in reports["kernteam-valthermond"]
    # VOG coverage exists only for the coalition: a kernteam is never asked for it.
    for kernteam in ("kernteam-nieuw-buinen", "kernteam-valthermond"):
        assert "Structurele begeleiders met een geldige VOG" not in reports[kernteam]
        assert "VOG-datum" not in reports[kernteam]
    assert "Voor deze uitkomst is geen advies vastgelegd" not in " ".join(reports.values())


def test_the_first_page_sums_up_and_asks_the_plan_s_decision(reports):
    text = reports["stuurgroep"]
    summary = text[text.index("Kernboodschappen"):text.index("Scorekaart")]
    assert "Het grootste tekort: Structurele begeleiders met een geldige VOG, 78% tegen een doel van alle." in summary
    assert "Gevraagd besluit: Het plan vraagt de stuurgroep bij dit tweede meetmoment te besluiten over het " \
           "vervolg" in summary
    assert "De kindervragenlijst: 6 kinderen op 155 deelnemende kinderen, 4%." in summary
    assert "Gevraagd besluit" not in reports["kernteam-valthermond"]


def test_ideas_are_grouped_by_spelling_and_a_remark_naming_a_person_is_withheld(reports):
    text = reports["lokale_coalitie"]
    assert "Ideeënbus: 6 ideeën, samengevoegd op spelling." in text
    assert "Paardrijden: 3× Voetbal: 2× Koken: 1×" in text
    assert "OBS de Aanloop 3 Paardrijden 2×; Koken 1×" in text
    assert "CKC Rehoboth 3 Voetbal 2×; Paardrijden 1×" in text
    assert "De Vries" not in text and "streng" not in text
    assert "1 tekst is niet opgenomen omdat die de naam van een persoon uit de registers bevat." in text
    html = reports["lokale_coalitie.html"]
    assert "“Meer buiten graag &lt;b&gt;!&lt;/b&gt;” 2×" in html and "<b>!</b>" not in html
    # Parents' remarks are not for the stuurgroep unless the configuration says so.
    assert "Meer buiten graag" not in reports["stuurgroep"]


def _shown(kind: str, value: float) -> str:
    """A figure as the reader writes it, by hand: whole percentages, one decimal for means."""
    if kind == "share":
        return f"{round(value * 100)}%"
    if kind == "mean":
        return f"{value:.1f}".replace(".", ",")
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


MEANS = {"groepssfeer", "voortgang_partners"}
LABELS = {
    "veiligheid_kinderen": "Kinderen die zich veilig voelen bij de activiteiten",
    "veiligheid_ouders": "Ouders die zeggen dat hun kind zich veilig voelt",
    "klachtweg_kinderen": "Kinderen die weten bij wie ze terecht kunnen",
    "klachtweg_ouders": "Ouders die weten waar ze terecht kunnen met een klacht",
    "vog_dekking": "Structurele begeleiders met een geldige VOG",
    "klachten_interactie": "Klachten over interactie of groepsdynamiek",
    "groepssfeer": "Groepssfeer volgens begeleiders en leerkrachten (1-5)",
    "aanbod_onderbouw": "Activiteiten voor groep 1-4 met genoeg kinderen, sinds de start",
    "themamix": "Activiteiten met een mix van twee thema's",
    "ontwikkelgebieden": "Ontwikkelgebieden die aan bod kwamen",
    "extra_aanbod": "Extra activiteiten (10-weeks programma of eenmalig)",
    "ideeen": "Ideeën in de ideeënbus",
    "deelnemers": "Kinderen die minstens één keer meededen",
    "bereik": "Bereik: deel van de leerlingen dat meedeed",
    "opkomst": "Opkomst: deel van de aanmeldingen dat aanwezig was",
    "besteding": "Besteed deel van het wijkbudget",
    "voortgang_partners": "Voortgang van de acties volgens de partners (1-5)",
    "pijlerdekking": "Gekozen pijlers waaraan minstens één actie werkt",
}
COUNTS = {"klachten_interactie", "aanbod_onderbouw", "ontwikkelgebieden", "extra_aanbod", "deelnemers", "ideeen"}
TOO_FEW, PROTECTS = "te weinig respondenten (minder dan 10)", "niet getoond, ter bescherming van een ander cijfer"
HIDDEN = {TOO_FEW, PROTECTS}
QUESTIONNAIRE_SHARES = {"veiligheid_kinderen", "veiligheid_ouders", "klachtweg_kinderen", "klachtweg_ouders"}
COEVORDEN = ROOT / "config" / "coevorden.yaml"


def scorecard_cells(page) -> dict[tuple[str, str], str]:
    """Every scorecard cell in the page as (indicator label, column) → the cell's figure."""
    return page.evaluate("""() => {
        const cells = {};
        for (const table of document.querySelectorAll('table.km-scorecard')) {
            const rows = [...table.querySelectorAll('tr')];
            const columns = [...rows[0].querySelectorAll('th')].map(th => th.innerText.trim());
            for (const row of rows.slice(1)) {
                const tds = [...row.querySelectorAll('td')];
                tds.slice(1).forEach((td, i) => {
                    const figure = td.querySelector('strong');
                    cells[tds[0].innerText.trim() + '|' + columns[i + 1]] = figure ? figure.innerText.trim() : '';
                });
            }
        }
        return cells;
    }""")


def _audiences(config, kernteam_files: dict[str, str], yearly: str) -> dict[str, list[str]]:
    """Per report file the scorecard columns it must show: the whole coalition and its places (the stuurgroep and
    the yearly report), also every school (the lokale coalitie), a kernteam its place and schools."""
    areas = [a.name for a in config.areas]
    audiences = {"stuurgroep": ["Hele coalitie", *areas], yearly: ["Hele coalitie", *areas],
                 "lokale_coalitie": ["Hele coalitie", *areas, *config.schools()]}
    for area in config.areas:
        audiences[f"kernteam-{kernteam_files[area.name]}"] = [area.name, *(s.name for s in area.schools)]
    return audiences


def test_every_figure_meant_for_an_audience_is_on_its_page_and_no_suppressed_one(prefect_harness, sqlite_url,
                                                                                 tmp_path):
    written = write_examples(tmp_path / "examples")
    runner = CliRunner()
    coalitions = []
    for name, path, yearly in (("borger-odoorn", BACKPACK, "vervolgbesluit"), ("coevorden", COEVORDEN, "jaarverslag")):
        config = load_config(path)
        inbox = written[name][0].parent
        out = tmp_path / name
        for period in (H1, H2):
            result = runner.invoke(app, ["run", "--config", str(path), "--inbox", str(inbox), "--period", period,
                                         "--db", sqlite_url, "--out", str(out)], catch_exceptions=False)
            assert result.exit_code == 0, result.output
        files = {a.name: slug(a.name) for a in config.areas}
        coalitions.append((config, out, _audiences(config, files, yearly)))
    checked = suppressed_checked = protecting_checked = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        page = browser.new_page()
        for config, out, audiences in coalitions:
            in_goals = {i for goal in config.goals for i in goal.indicators}
            with open(out / f"indicatoren-{H2}.csv", encoding="utf-8") as handle:
                rows = [r for r in csv.DictReader(handle) if r["period"] == H2 and r["indicator"] in in_goals]
            for name, columns in audiences.items():
                page.goto((out / "reports" / H2 / f"{name}.html").as_uri())
                cells = scorecard_cells(page)
                assert cells, name
                assert {key.split("|")[1] for key in cells} == set(columns), name
                for row in rows:
                    column = "Hele coalitie" if row["scope"] == "coalition" else row["scope_name"]
                    if column not in columns:
                        continue
                    shown = cells[f"{LABELS[row['indicator']]}|{column}"]
                    if row["suppressed"] == "true":
                        assert shown in HIDDEN, (name, row)
                        if row["indicator"] in QUESTIONNAIRE_SHARES:  # one unit per answer: the reason is known
                            too_few = float(row["denominator"]) < 10
                            assert shown == (TOO_FEW if too_few else PROTECTS), (name, row, shown)
                            protecting_checked += not too_few
                        suppressed_checked += 1
                    elif row["value"]:
                        kind = "mean" if row["indicator"] in MEANS else "count" if row["indicator"] in COUNTS \
                            else "share"
                        assert shown == _shown(kind, float(row["value"])), (name, row, shown)
                        checked += 1
        browser.close()
    assert checked > 200 and suppressed_checked > 5 and protecting_checked > 0
