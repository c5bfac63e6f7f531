"""The advisory reports as their readers get them: HTML in a real browser, the PDF's own text, on both
databases, from indicator figures stored for two periods."""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
import struct
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import insert
from weasyprint.text.fonts import FontConfiguration

from flows.close_period import make_reports
from kansenmonitor.db import Attendance, ChildResponse, Delivery, IndicatorValue, QuarantinedRow
from kansenmonitor.periods import parse_period
from reports.build import build_reports
from tasks.deliver.report_data import read_publication
from tests.reporting import STYLESHEET, Styles, render_reports

H1, H2 = "2024-2025-H1", "2024-2025-H2"
CHROMIUM = "/usr/bin/chromium"
HOSTILE_IDEAS = ["<script>alert('idee')</script>", "<b>Paardrijden</b> & klimmen"]

# (period, indicator, scope, scope_name, value, numerator, denominator, target, status, suppressed)
FIGURES = [
    (H1, "veiligheid_kinderen", "coalition", "", 0.85, 85, 100, "≥ 90%", "not_met", False),
    (H2, "veiligheid_kinderen", "coalition", "", 0.92, 92, 100, "≥ 90%", "met", False),
    (H1, "veiligheid_ouders", "coalition", "", 0.91, 20, 22, "≥ 90%", "met", False),
    (H2, "veiligheid_ouders", "coalition", "", 0.875, 7, 8, "≥ 90%", "no_data", True),
    (H1, "klachtweg_kinderen", "coalition", "", 0.87, 87, 100, "≥ 90%", "not_met", False),
    (H2, "klachtweg_kinderen", "coalition", "", 0.86, 86, 100, "≥ 90%", "not_met", False),
    (H2, "klachtweg_ouders", "coalition", "", None, None, None, "≥ 90%", "no_data", False),
    (H1, "vog_dekking", "coalition", "", 1.0, 12, 12, "100%", "met", False),
    (H2, "vog_dekking", "coalition", "", 1.0, 13, 13, "100%", "met", False),
    (H1, "klachten_interactie", "coalition", "", 0, None, None, "≤ 0", "met", False),
    (H2, "klachten_interactie", "coalition", "", 2, None, None, "≤ 0", "not_met", False),
    (H1, "groepssfeer", "coalition", "", 4.1, None, 21, "≥ 4,0", "met", False),
    (H2, "groepssfeer", "coalition", "", 4.3, None, 25, "≥ 4,0", "met", False),
    (H1, "aanbod_onderbouw", "coalition", "", 1, None, None, "≥ 2 in minstens 1 dorp", "not_met", False),
    (H2, "aanbod_onderbouw", "coalition", "", 3, None, None, "≥ 2 in minstens 1 dorp", "met", False),
    (H1, "themamix", "coalition", "", 0.75, 12, 16, "100%", "not_met", False),
    (H2, "themamix", "coalition", "", 0.8, 16, 20, "100%", "not_met", False),
    (H1, "ontwikkelgebieden", "coalition", "", 5, None, None, "≥ 5", "met", False),
    (H2, "ontwikkelgebieden", "coalition", "", 6, None, None, "≥ 5", "met", False),
    (H1, "ideeen", "coalition", "", 14, None, None, "> 0 per school", "met", False),
    (H2, "ideeen", "coalition", "", 23, None, None, "> 0 per school", "met", False),
    (H1, "extra_aanbod", "coalition", "", 2, None, None, "> 0 en meer dan vorige periode", "met", False),
    (H2, "extra_aanbod", "coalition", "", 4, None, None, "> 0 en meer dan vorige periode", "met", False),
    (H1, "deelnemers", "coalition", "", 180, None, None, "meer dan vorige periode, in elk dorp", "met", False),
    (H2, "deelnemers", "coalition", "", 214, None, None, "meer dan vorige periode, in elk dorp", "met", False),
    (H1, "bereik", "coalition", "", 0.21, 180, 857, "≥ 25%", "not_met", False),
    (H2, "bereik", "coalition", "", 0.26, 214, 823, "≥ 25%", "met", False),
    (H1, "opkomst", "coalition", "", 0.78, 780, 1000, "≥ 80%", "not_met", False),
    (H2, "opkomst", "coalition", "", 0.83, 830, 1000, "≥ 80%", "met", False),
    (H1, "deelnemers", "area", "Valthermond", 60, None, None, "meer dan vorige periode", "met", False),
    (H2, "deelnemers", "area", "Valthermond", 71, None, None, "meer dan vorige periode", "met", False),
    (H1, "deelnemers", "area", "2e Exloërmond", 50, None, None, "meer dan vorige periode", "met", False),
    (H2, "deelnemers", "area", "2e Exloërmond", 58, None, None, "meer dan vorige periode", "met", False),
    (H1, "deelnemers", "area", "Nieuw-Buinen", 70, None, None, "meer dan vorige periode", "met", False),
    (H2, "deelnemers", "area", "Nieuw-Buinen", 85, None, None, "meer dan vorige periode", "met", False),
    (H1, "veiligheid_kinderen", "area", "Valthermond", 0.82, 32, 39, "≥ 90%", "not_met", False),
    (H2, "veiligheid_kinderen", "area", "Valthermond", 0.95, 38, 40, "≥ 90%", "met", False),
    (H2, "veiligheid_kinderen", "area", "2e Exloërmond", 0.77, 27, 35, "≥ 90%", "not_met", False),
    (H2, "veiligheid_kinderen", "area", "Nieuw-Buinen", 0.889, 8, 9, "≥ 90%", "no_data", True),
    (H2, "ideeen", "school", "OBS de Aanloop", 4, None, None, "> 0", "met", False),
    (H2, "ideeen", "school", "CKC Rehoboth", 0, None, None, "> 0", "not_met", False),
    (H2, "ideeen", "school", "OBS de Westhoek", 9, None, None, "> 0", "met", False),
]


def seed(engine, config) -> None:
    """Two periods of indicator figures, and the deliveries, quarantine and survey rows behind H2."""
    now = dt.datetime(2025, 8, 1, 9, 0)
    with engine.begin() as conn:
        conn.execute(insert(IndicatorValue), [
            dict(coalition=config.slug, period=p, indicator=i, scope=s, scope_name=n, value=v, numerator=num,
                 denominator=den, target=t, status=st, previous_value=None, suppressed=sup, computed_at=now)
            for p, i, s, n, v, num, den, t, st, sup in FIGURES])
        survey, attendance = (conn.scalar(insert(Delivery).returning(Delivery.id).values(
            coalition=config.slug, source=source, file_name=f"{source}.xlsx", sha256=str(n) * 64, size_bytes=1000,
            received_at=now, status="loaded", rows_read=read, rows_loaded=loaded, rows_quarantined=read - loaded))
            for n, (source, read, loaded) in enumerate([("kindvragenlijst", 105, 100), ("aanwezigheid", 412, 409)]))
        conn.execute(insert(QuarantinedRow), [dict(
            delivery_id=survey, coalition=config.slug, source="kindvragenlijst", row_number=10 + n,
            raw=json.dumps({"Op welke school zit je?": "Onbekend"}), period=H2, resolved_by=None) for n in range(5)])
        conn.execute(insert(ChildResponse), [dict(
            coalition=config.slug, period=H2, record_key=f"r{n}", source_row=n + 2, delivery_id=survey,
            response_id=f"r{n}", completed_at=now, school="OBS de Aanloop", area="Valthermond", school_group=6,
            feels_safe="Ja", knows_where_to_go="Ja", enjoyment=5, idea=idea) for n, idea in enumerate(HOSTILE_IDEAS)])
        conn.execute(insert(Attendance), [dict(
            coalition=config.slug, period=H2, record_key=f"a{n}", source_row=n + 2, delivery_id=attendance,
            session_date=dt.date(2025, 3, 5), title="Circus", area=area, school=school, school_group=6,
            pupil=f"p{n}", present=True, session_number=1 + n // 2, child_number=n) for n, (area, school) in enumerate(
                [("Valthermond", "OBS de Aanloop"), ("Valthermond", "CKC Rehoboth"),
                 ("2e Exloërmond", "OBS de Westhoek")])])


def page_text(html: str) -> str:
    """The words a reader sees, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def build(engine, backpack, tmp_path):
    """Seed the figures, then build the reports of the audiences a test reads, by name."""
    seed(engine, backpack)
    return lambda *audiences: {r.name: r for r in render_reports(engine, backpack, H2, tmp_path, list(audiences))}


def test_every_audience_gets_its_files_in_the_period_folder(build, tmp_path):
    reports = build("stuurgroep", "lokale_coalitie", "kernteam")
    assert sorted(reports) == ["kernteam-2e-exloermond", "kernteam-nieuw-buinen", "kernteam-valthermond",
                               "lokale_coalitie", "stuurgroep"]
    for name, report in reports.items():
        assert report.html_path == tmp_path / "reports" / H2 / f"{name}.html"
        assert report.pdf_path.read_bytes().startswith(b"%PDF")
    assert reports["stuurgroep"].recipients == ["stuurgroep@backpack.example"]
    assert reports["kernteam-valthermond"].recipients == ["kernteam-valthermond@backpack.example"]
    assert reports["stuurgroep"].subject == \
        "Kansenmonitor Backpack Borger-Odoorn — tweede meetmoment (januari–juli 2025) — advies voor de stuurgroep"


def test_a_build_leaves_no_font_map_for_the_interpreter_to_free_at_exit(build):
    """WeasyPrint's font map is a Pango object that cffi frees by calling into Pango. One that outlived the build
    (kept in a module global) was freed at the interpreter's exit after cffi had closed Pango's libraries: the
    demo crashed with a segmentation fault once its work was done. Not even as garbage waiting for a collection."""
    gc.collect()
    build("kernteam")
    assert [o for o in gc.get_objects() if isinstance(o, FontConfiguration)] == []


def test_a_build_collects_garbage_seldom_and_gives_the_process_its_collector_back(engine, backpack, tmp_path):
    """WeasyPrint and matplotlib make hundreds of thousands of short-lived objects per report; collecting every
    700 of them (Python's default) cost a report twice the collector time of every 10,000. The process's own
    thresholds are back once the build is done."""
    seed(engine, backpack)
    period = parse_period(H2, backpack)
    publication = read_publication(engine, backpack, period)
    before = gc.get_threshold()
    seen = []

    def note(phase, info):
        if phase == "start":
            seen.append(gc.get_threshold()[0])

    gc.callbacks.append(note)
    try:
        build_reports(backpack, period, publication, tmp_path, ["kernteam"])
    finally:
        gc.callbacks.remove(note)
    assert seen and min(seen) >= 10_000
    assert gc.get_threshold() == before


def test_stuurgroep_report_walks_the_4d_cycle_per_goal_in_dutch(build, backpack):
    reports = build("stuurgroep")
    html = reports["stuurgroep"].html_path.read_text("utf-8")
    text = page_text(html)
    for goal in backpack.goals:
        assert goal.title in text
    for section in ("Doelen", "Data", "Duiden", "Doen",
                    "Leren: wat veranderde sinds het eerste meetmoment (augustus–december 2024)",
                    "Bijlage: kwaliteit van de gegevens", "Bijlage: hoe zeker zijn de cijfers?"):
        assert section in text
    assert "92% 92 van 100" in text and "4,3" in text and "26% 214 van 823" in text
    assert "augustus–december 2024: 85% januari–juli 2025: 92%" in text
    # 85 of 100 to 92 of 100 crosses the target but lies within the noise of two samples of 100.
    assert "Kinderen die zich veilig voelen bij de activiteiten: gehaald; gelijk gebleven binnen de " \
           "meetonzekerheid, van 85% naar 92%." in text
    assert "Kinderen die zich veilig voelen bij de activiteiten haalt nu de doelstelling" not in text
    assert "Klachten over interactie of groepsdynamiek haalt de doelstelling niet meer, van 0 naar 2, +2." in text
    # Doen: the goal's configured advice for a miss, the status advice for the others; no falling advice on noise.
    assert "Bespreek de uitkomsten met de begeleiders, maak de klachtenroute zichtbaar" in text
    assert "Onderzoek met de werkgroep waarom het gevoel van veiligheid daalt." not in text
    assert "Houd de themamix vast" not in text and "Koppel in de jaarplanning elke activiteit" in text
    assert "Verslechterd sinds het eerste meetmoment: Klachten over interactie of groepsdynamiek, van 0 naar 2." \
        in text


def test_a_suppressed_figure_shows_too_few_respondents_and_never_its_value(build):
    reports = build("stuurgroep", "lokale_coalitie")
    text = page_text(reports["stuurgroep"].html_path.read_text("utf-8"))
    assert "Ouders die zeggen dat hun kind zich veilig voelt te weinig respondenten (minder dan 10) ≥ 90%" in text
    assert "88%" not in text and "7 van 8" not in text
    coalition = page_text(reports["lokale_coalitie"].html_path.read_text("utf-8"))
    assert "Nieuw-Buinen te weinig respondenten (minder dan 10)" in coalition and "89%" not in coalition


def test_kernteam_report_holds_only_its_own_village(build):
    reports = build("kernteam")
    text = page_text(reports["kernteam-valthermond"].html_path.read_text("utf-8"))
    assert "Cijfers voor het kernteam Valthermond" in text
    assert "95% 38 van 40" in text and "augustus–december 2024: 60 januari–juli 2025: 71" in text
    assert "OBS de Aanloop" in text and "CKC Rehoboth" in text
    for elsewhere in ("2e Exloërmond", "Nieuw-Buinen", "OBS de Westhoek", "CKC de Klister", "77%", "27 van 35",
                      "92 van 100", "hele coalitie"):
        assert elsewhere not in text


def test_lokale_coalitie_report_breaks_down_per_village_and_school_and_shows_ideas_inert(build):
    reports = build("lokale_coalitie")
    html = reports["lokale_coalitie"].html_path.read_text("utf-8")
    text = page_text(html)
    assert "2e Exloërmond 77% niet gehaald" in text and "Valthermond 95% gehaald" in text
    assert "CKC Rehoboth 0 niet gehaald" in text
    assert "<script>" not in html and "<b>Paardrijden</b>" not in html
    assert "&lt;script&gt;alert(&#39;idee&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;Paardrijden&lt;/b&gt; &amp; klimmen" in html
    assert "<script" not in reports["lokale_coalitie"].html


def test_quality_appendix_reconciles_sources_and_names_schools_that_sent_nothing(build):
    reports = build("lokale_coalitie", "kernteam")
    text = page_text(reports["lokale_coalitie"].html_path.read_text("utf-8"))
    # Each source by its Dutch name from the sources catalogue, not by its id (`kindvragenlijst`).
    assert "Vragenlijst kinderen 1 105 100 5 5" in text and "Aanwezigheidsregistratie 1 412 409 3 0" in text
    assert "CKC de Wegwijzer 2e Exloërmond Aanwezigheidsregistratie" in text
    assert "OBS de Aanloop Valthermond Aanwezigheidsregistratie" not in text
    assert "CKC Rehoboth Valthermond Vragenlijst kinderen" in text
    kernteam = page_text(reports["kernteam-valthermond"].html_path.read_text("utf-8"))
    assert "CKC Rehoboth Valthermond Vragenlijst kinderen" in kernteam and "CKC de Wegwijzer" not in kernteam


def test_quality_appendix_shows_what_the_period_gate_found(engine, backpack, build, tmp_path):
    from flows.close_period import judge_period

    before = page_text(build("stuurgroep")["stuurgroep"].html_path.read_text("utf-8"))
    assert "Kwaliteitscontrole van de periode" not in before
    gate = judge_period(engine, backpack, parse_period(H2, backpack), tmp_path / "gate")
    reports = build("lokale_coalitie", "kernteam")
    text = page_text(reports["lokale_coalitie"].html_path.read_text("utf-8"))
    checks = len({f.check for f in gate.findings})
    assert f"De kwaliteitscontrole voerde {checks} controles uit op alle geladen gegevens over het tweede " \
           "meetmoment (januari–juli 2025)" in text
    assert gate.problems and all(" ".join(f.detail.split()) in text for f in gate.problems)
    kernteam = page_text(reports["kernteam-valthermond"].html_path.read_text("utf-8"))
    elsewhere = [f for f in gate.problems if f.scope in backpack.schools()
                 and backpack.area_of_school(f.scope) != "Valthermond"]
    assert elsewhere and not any(" ".join(f.detail.split()) in kernteam for f in elsewhere)


def test_email_body_refers_to_charts_by_content_id_and_the_file_embeds_them(build):
    reports = build("stuurgroep")
    report = reports["stuurgroep"]
    names = {c.name.rsplit("-", 1)[0] for c in report.charts}
    assert {"verloop-veiligheid-kinderen", "deelnemers"} <= names
    for chart in report.charts:
        assert chart.png.startswith(b"\x89PNG") and f'src="cid:{chart.cid}"' in report.html
    assert "data:image/" not in report.html
    assert report.html_path.read_text("utf-8").count("data:image/png;base64,") == len(report.charts)
    assert "<script" not in report.html and "<link" not in report.html and "http" not in report.html


def test_the_report_files_take_every_style_from_the_one_stylesheet_and_only_the_email_inlines_it(build):
    """The HTML file, and the PDF that WeasyPrint prints from the same HTML, are styled by `report.css` in the head,
    once: no element carries a style of its own. The email body is styled in its elements on purpose (mail
    programs drop a stylesheet; css-inline writes it into them), which shows the check sees such attributes."""
    reports = build()
    assert sorted({r.audience for r in reports.values()}) == ["kernteam", "lokale_coalitie", "stuurgroep",
                                                              "vervolgbesluit"]
    for name, report in reports.items():
        page = Styles(report.html_path.read_text("utf-8"))
        assert (page.attributes, page.sheets) == ([], [STYLESHEET]), name
        email = Styles(report.html)
        assert email.sheets == [] and {"body", "h1", "table", "td"} <= set(email.attributes), name


def test_pdf_text_holds_every_goal_with_its_figure(build, backpack):
    reports = build("stuurgroep")
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(reports["stuurgroep"].pdf_path), "-"],
                                   capture_output=True, text=True, check=True).stdout.split())
    for goal in backpack.goals:
        assert goal.title in text
    for figure in ("92%", "te weinig respondenten", "4,3", "100%", "80%", "214", "26%", "83%"):
        assert figure in text


def chromium(*arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={cwd / 'chromium-profile'}", *arguments],
                          capture_output=True, timeout=120, cwd=cwd)


def test_report_renders_in_a_real_browser(engine, backpack, tmp_path):
    seed(engine, backpack)
    [report] = render_reports(engine, backpack, H2, tmp_path, ["stuurgroep"])
    html_path, pdf_path = report.html_path, report.pdf_path
    assert pdf_path.suffix == ".pdf"
    screenshot = tmp_path / "stuurgroep.png"
    chromium(f"--screenshot={screenshot}", "--window-size=900,1400", html_path.as_uri(), cwd=tmp_path)
    png = screenshot.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    assert struct.unpack(">II", png[16:24]) == (900, 1400)
    dom = chromium("--dump-dom", html_path.as_uri(), cwd=tmp_path).stdout.decode("utf-8")
    visible = page_text(dom)
    assert "Advies aan de stuurgroep" in visible and "92% 92 van 100" in visible
    assert "te weinig respondenten (minder dan 10)" in visible


def test_preview_rejects_an_unknown_audience(db_url, backpack, tmp_path):
    with pytest.raises(ValueError, match="onbekende doelgroep 'wethouder'; kies uit: stuurgroep"):
        make_reports(db_url, backpack, parse_period(H2, backpack), tmp_path, ["wethouder"])


def test_report_preview_command_writes_the_files_and_sends_nothing(engine, db_url, backpack, tmp_path):
    from sqlalchemy import func, select
    from typer.testing import CliRunner

    from flows.cli import app
    from kansenmonitor.db import ReportDispatch

    seed(engine, backpack)
    config = Path(__file__).resolve().parent.parent / "config" / "borger-odoorn.yaml"
    result = CliRunner().invoke(app, ["report", "--config", str(config), "--period", H2, "--audience", "kernteam",
                                      "--preview", "--db", db_url, "--out", str(tmp_path)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    written = sorted(Path(line).name for line in result.output.split())
    assert written == sorted(f"kernteam-{place}.{ext}" for place in ("2e-exloermond", "nieuw-buinen", "valthermond")
                             for ext in ("html", "pdf"))
    assert all((tmp_path / "reports" / H2 / name).stat().st_size > 1000 for name in written)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ReportDispatch)).scalar() == 0
    assert not (tmp_path / "outbox").exists()
