"""The report's form as its readers get it: every audience's HTML in headless Chromium at email width and
at A4 width without sideways scrolling, every PDF read back with pdfplumber (inside the page, numbered,
no table row cut in two, PDF/UA in Dutch), and every email small enough not to be clipped, from the
programme with replies to the steward, on the test figures and on a coalition of eight places with
eight schools each."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import io
import itertools
import re
import struct
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from matplotlib.text import Text
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.psparser import LIT
from pdfplumber.structure import PDFStructTree
from PIL import Image
from playwright.sync_api import sync_playwright
from sqlalchemy import insert
from weasyprint import HTML
from weasyprint.html import UA

from kansenmonitor.catalogue import indicator
from kansenmonitor.db import IndicatorValue
from kansenmonitor.dutch import axis_period, format_target, months_of, plain_number
from kansenmonitor.periods import Period
from reports.charts import participants_chart, spending_chart, trend_chart
from reports.render import PDF_VARIANT, USER_AGENT_CSS, Printer, chart_url, with_data_uris
from tasks.deliver.mail import compose
from tests.reporting import render_reports
from tests.test_reports import H1, H2, seed

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
WIDTHS = (600, 794)  # an email pane, and A4 at 96 dpi
EMAIL_LIMIT = 100 * 1024
# The Backpack plan's two halves of a school year: August to December, January to July.
FIRST, SECOND = Period(dt.date(2024, 8, 1), dt.date(2024, 12, 31), H1), Period(dt.date(2025, 1, 1), dt.date(2025, 7, 31), H2)
EARLIER = (Period(dt.date(2020, 8, 1), dt.date(2020, 12, 31), "2020-2021-H1"),
           Period(dt.date(2021, 1, 1), dt.date(2021, 7, 31), "2020-2021-H2"))


def big_coalition(backpack):
    """The Backpack plan for a coalition of eight villages with eight schools each, long names included."""
    areas = [dict(name=f"Dorp {a} aan de Lange Vaart", schools=[dict(name=f"Openbare basisschool De Regenboog {a}.{s}")
                                                                  for s in range(1, 9)])
             for a in range(1, 9)]
    data = backpack.model_dump()
    data.update(areas=areas, recipients={"stuurgroep": ["sg@groot.example"], "lokale_coalitie": ["lc@groot.example"],
                                         "kernteam": {a["name"]: [f"kt{n}@groot.example"]
                                                      for n, a in enumerate(areas)}})
    return type(backpack).model_validate(data)


def seed_everywhere(engine, config) -> None:
    """A figure for every indicator of the plan, for the coalition, every place and every school, in two periods."""
    now = dt.datetime(2025, 8, 1, 9, 0)
    scopes = [("coalition", "")] + [("area", a.name) for a in config.areas] + [("school", s) for s in config.schools()]
    indicators = [i for goal in config.goals for i in goal.indicators]
    rows = []
    for (n, (scope, name)), indicator_id, period in itertools.product(enumerate(scopes), indicators, (H1, H2)):
        share = indicator(indicator_id).is_percentage
        value = (0.7 + (n % 7) * 0.04) if share else float(20 + n)
        rows.append(dict(coalition=config.slug, period=period, indicator=indicator_id, scope=scope, scope_name=name,
                         value=value, numerator=value * 100 if share else None, denominator=100 if share else None,
                         target="≥ 90%", status="met" if n % 2 else "not_met", previous_value=None,
                         suppressed=False, computed_at=now))
    with engine.begin() as conn:
        conn.execute(insert(IndicatorValue), rows)


@pytest.fixture
def reports(engine, backpack, tmp_path):
    seed(engine, backpack)
    return render_reports(engine, backpack, H2, tmp_path)


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def overflow(browser, path: Path) -> dict[int, tuple[int, int]]:
    """Per viewport width the document's scroll width and the window's width."""
    measured = {}
    for width in WIDTHS:
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(path.as_uri())
        measured[width] = tuple(page.evaluate(
            "[document.scrollingElement.scrollWidth, window.innerWidth]"))
        page.close()
    return measured


def test_every_audience_reads_without_sideways_scrolling_at_email_and_a4_width(reports, browser, tmp_path):
    assert len(reports) == 6
    for report in reports:
        body = tmp_path / f"{report.name}-email.html"
        body.write_text(report.html, encoding="utf-8")
        for path in (report.html_path, body):
            assert all(scroll <= inner for scroll, inner in overflow(browser, path).values()), \
                (path.name, overflow(browser, path))


def test_the_overflow_check_sees_a_table_wider_than_the_window(browser, tmp_path):
    wide = tmp_path / "breed.html"
    wide.write_text("<table><tr>" + "<td style='white-space:nowrap'>kolom met een lange kop</td>" * 12
                    + "</tr></table>", encoding="utf-8")
    assert all(scroll > inner for scroll, inner in overflow(browser, wide).values())


def pdf_rows(pdf_path: Path) -> int:
    """The data rows (rows with a TD) of every table in the tagged PDF. WeasyPrint tags each page's part of a
    table as a table of its own, so a row cut by a page break counts twice and a repeated header row (TH)
    not at all: the count equals the HTML's only when no row is split."""
    with pdfplumber.open(pdf_path) as pdf:
        return sum(1 for row in PDFStructTree(pdf).find_all("TR") if any(c.type == "TD" for c in row.children))


def html_rows(html: str) -> int:
    return sum(1 for row in re.findall(r"<tr>.*?</tr>", html, re.S) if "<td" in row)


def check_pdf(pdf_path: Path, html: str) -> None:
    with pdfplumber.open(pdf_path) as pdf:
        total = len(pdf.pages)
        for page in pdf.pages:
            outside = [c["text"] for c in page.chars if c["x0"] < 0 or c["x1"] > page.width + 0.5
                       or c["top"] < 0 or c["bottom"] > page.height + 0.5]
            assert outside == [], (pdf_path.name, page.page_number, "".join(outside))
            assert f"pagina {page.page_number} van {total}" in " ".join(page.extract_text().split()), \
                (pdf_path.name, page.page_number)
            assert round(page.width) == 595 and round(page.height) == 842  # A4 in points
        catalog = pdf.doc.catalog
        assert catalog["Lang"] in (b"nl", "nl")
        metadata = resolve1(catalog["Metadata"]).get_data()
        assert b"pdfuaid:part>1<" in metadata or b'pdfuaid:part="1"' in metadata
        assert resolve1(catalog["MarkInfo"])["Marked"] is True
        tree = PDFStructTree(pdf)
        assert all(tree.find(kind) for kind in ("H1", "H2", "H3", "Table", "Figure")), pdf_path.name
        assert all(figure.alt_text for figure in tree.find_all("Figure")), pdf_path.name
    assert pdf_rows(pdf_path) == html_rows(html), pdf_path.name


def test_every_pdf_is_a4_numbered_inside_the_page_tagged_and_never_splits_a_row(reports):
    for report in reports:
        check_pdf(report.pdf_path, report.html_path.read_text("utf-8"))


def pdf_images(pdf_path: Path) -> list[dict]:
    """The attributes of every image object the PDF holds, alpha masks included."""
    with pdfplumber.open(pdf_path) as pdf:
        objects = (pdf.doc.getobj(objid) for xref in pdf.doc.xrefs for objid in xref.get_objids())
        return [o.attrs for o in objects if isinstance(o, PDFStream) and o.attrs.get("Subtype") == LIT("Image")]


def test_every_chart_is_one_opaque_colour_image_in_the_pdf(reports):
    """Charts are drawn as RGB PNGs (colour type 2 in the header, 6 would be RGBA), so WeasyPrint embeds each
    chart a report shows once, without splitting off and encoding again an alpha mask for it."""
    charts = {c.name: c for r in reports for c in r.charts}
    assert charts and all(c.png[25] == 2 for c in charts.values())
    for report in reports:
        images = pdf_images(report.pdf_path)
        assert len(images) == len(report.charts) and not any("SMask" in i for i in images), report.name
        assert sorted((i["Width"], i["Height"]) for i in images) == sorted(
            struct.unpack(">II", c.png[16:24]) for c in report.charts)


def page_images(pdf: Path, folder: Path) -> list[bytes]:
    """Every page of the PDF as pixels (pdftoppm, 40 dpi)."""
    folder.mkdir()
    subprocess.run(["pdftoppm", "-r", "40", str(pdf), str(folder / "page")], check=True)
    return [page.read_bytes() for page in sorted(folder.iterdir())]


def test_the_lean_user_agent_stylesheet_draws_the_same_pages(reports, tmp_path):
    """The PDFs are drawn without WeasyPrint's footnote and note pseudo-elements and with list markers on list
    items only (six styles per element a report never shows): page for page the same as with WeasyPrint's own."""
    assert USER_AGENT_CSS.count("\n") == UA.count("\n") - 5 and "::footnote-call" not in USER_AGENT_CSS
    assert "\nli::marker {" in USER_AGENT_CSS
    report = next(r for r in reports if r.audience == "lokale_coalitie")
    stock = tmp_path / "stock.pdf"
    HTML(string=report.html_path.read_text("utf-8")).write_pdf(stock, pdf_variant=PDF_VARIANT)
    lean = page_images(report.pdf_path, tmp_path / "lean")
    assert len(lean) > 1 and lean == page_images(stock, tmp_path / "stock")


def test_a_pdf_takes_each_chart_png_as_it_is_and_shows_the_same_pixels(reports, tmp_path):
    """WeasyPrint decodes a PNG and encodes it again in every PDF; the Printer gives it a chart's compressed rows
    as they are. A chart compressed otherwise than WeasyPrint would keeps its own bytes in the PDF, and the page
    shows the same pixels as WeasyPrint's own way (the chart inside the HTML)."""
    chart = next(c for r in reports for c in r.charts)
    other = io.BytesIO()
    Image.open(io.BytesIO(chart.png)).save(other, format="png", compress_level=1)
    fast = dataclasses.replace(chart, png=other.getvalue())
    assert fast.png != chart.png
    html = f'<html lang="nl"><body><img src="{chart_url(fast)}" alt="{chart.alt}"></body></html>'
    ours, stock = tmp_path / "ours.pdf", tmp_path / "stock.pdf"
    with Printer() as printer:
        printer.write_pdf(html, ours, [fast])
    HTML(string=with_data_uris(html, [fast])).write_pdf(stock, pdf_variant=PDF_VARIANT)
    with pdfplumber.open(ours) as pdf:
        objects = (pdf.doc.getobj(objid) for xref in pdf.doc.xrefs for objid in xref.get_objids())
        images = [o.rawdata for o in objects if isinstance(o, PDFStream) and o.attrs.get("Subtype") == LIT("Image")]
    assert len(images) == 1 and fast.png.index(images[0]) == fast.png.index(b"IDAT") + 4  # the IDAT chunk's data
    assert page_images(ours, tmp_path / "ours") == page_images(stock, tmp_path / "stock")


def test_the_split_row_check_sees_a_row_cut_in_two(tmp_path):
    tall = "<br>".join(f"regel {n}" for n in range(90))
    html = f"<html lang='nl'><body><table><tr><td>kort</td></tr><tr><td>{tall}</td></tr></table></body></html>"
    pdf = tmp_path / "gesplitst.pdf"
    HTML(string=html).write_pdf(pdf, pdf_variant=PDF_VARIANT)
    assert html_rows(html) == 2 and pdf_rows(pdf) == 3


def messages(reports, sender: str) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(compose(r, sender).as_bytes(policy=email.policy.SMTP),
                                     policy=email.policy.default) for r in reports]


def check_messages(reports, programme: str, steward: str, period: str) -> None:
    for report, message in zip(reports, messages(reports, "kansenmonitor@example.nl")):
        html_part = message.get_body(("html",))
        size = len(html_part.get_content().encode("utf-8"))
        assert size < EMAIL_LIMIT, (report.name, size)
        assert message["From"].addresses[0].display_name == f"Kansenmonitor {programme}"
        assert message["From"].addresses[0].addr_spec == "kansenmonitor@example.nl"
        assert message["Reply-To"] == steward
        pdf = next(message.iter_attachments())
        assert pdf.get_filename() == f"{re.sub('[^a-z0-9]+', '-', programme.lower())}-{period}-{report.name}.pdf"
        images = [p for p in message.walk() if p.get_content_type() == "image/png"]
        assert len(images) == len(report.charts) and all(f'cid:{p["Content-ID"].strip("<>")}' in
                                                          html_part.get_content() for p in images)


def test_every_email_is_small_from_the_programme_and_answered_by_the_steward(reports):
    check_messages(reports, "Backpack Borger-Odoorn", "datasteward@backpack.example", H2)
    # Small enough to carry the whole report, breakdown included.
    coalition = next(r for r in reports if r.name == "lokale_coalitie")
    assert "Valthermond 95% gehaald" in " ".join(re.sub(r"<[^>]+>", " ", coalition.html).split())


def test_eight_places_with_eight_schools_still_give_small_emails_and_whole_pdfs(engine, backpack, tmp_path,
                                                                               browser):
    config = big_coalition(backpack)
    seed_everywhere(engine, config)
    reports = render_reports(engine, config, H2, tmp_path)
    assert len(reports) == 11
    check_messages(reports, "Backpack Borger-Odoorn", "datasteward@backpack.example", H2)
    coalition = next(r for r in reports if r.name == "lokale_coalitie")
    # Too long for one email: the body points to the PDF, which holds every school in tables of at most
    # three indicators, no column lost.
    assert "staat in de bijgevoegde PDF" in coalition.html
    with pdfplumber.open(coalition.pdf_path) as pdf:
        text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
        assert "Inhoud" in pdf.pages[0].extract_text()
    assert all(f"Openbare basisschool De Regenboog {a}.{s}" in text for a in range(1, 9) for s in range(1, 9))
    check_pdf(coalition.pdf_path, coalition.html_path.read_text("utf-8"))
    assert all(s <= i for s, i in overflow(browser, coalition.html_path).values())


def test_one_dutch_formatter_for_figures_targets_and_axes():
    assert plain_number(3.5) == "3,5" and plain_number(4.0) == "4" and plain_number(1234.5) == "1.234,5"
    assert format_target("groepssfeer", 3.5, ">=") == "≥ 3,5"
    assert format_target("veiligheid_kinderen", 0.925, ">=") == "≥ 92,5%"
    assert format_target("klachten_interactie", 0, "<=") == "≤ 0"
    # The tables' words for a period, and the same with short month names on an axis, the year below.
    assert months_of(FIRST) == "augustus–december 2024" and months_of(SECOND, short=True) == "jan–jul 2025"
    assert axis_period(FIRST) == "aug–dec\n2024"
    whole_year = Period(dt.date(2024, 8, 1), dt.date(2025, 7, 31), "2024-2025-J")
    assert months_of(whole_year) == "augustus 2024–juli 2025" and axis_period(whole_year) == "aug 2024–\njul 2025"


def drawn_text(chart) -> list[str]:
    """Every text the chart's figure draws: tick labels, annotations, titles, legends."""
    return [t.get_text() for t in chart.figure.findobj(Text) if t.get_visible() and t.get_text()]


def axis_ticks(chart) -> tuple[list[str], list[str]]:
    """The tick labels drawn on the x and the y axis (of the first panel)."""
    chart.figure.canvas.draw()
    axes = chart.figure.axes[0]
    return [t.get_text() for t in axes.get_xticklabels()], [t.get_text() for t in axes.get_yticklabels()]


def test_a_trend_chart_zooms_in_labels_its_target_and_shows_only_measured_periods():
    points = ((EARLIER[0], None), (EARLIER[1], None), (FIRST, 0.85), (SECOND, 0.92))
    chart = trend_chart("veiligheid_kinderen", points, 0.9, ">=")
    assert "doel\n≥ 90%" in drawn_text(chart)
    x_ticks, y_ticks = axis_ticks(chart)
    assert x_ticks == ["aug–dec\n2024", "jan–jul\n2025"]  # only the periods with a figure, in the tables' words
    values = [float(t.rstrip("%").replace(",", ".")) for t in y_ticks]
    assert min(values) >= 70 and max(values) <= 100  # zoomed: 85 against 90 is not a flat line at 0-100
    assert chart.alt == ("Kinderen die zich veilig voelen bij de activiteiten per meetmoment: augustus–december "
                         "2024 85%, januari–juli 2025 92%; doel ≥ 90%.")
    assert chart.png.startswith(b"\x89PNG")
    # Drawn once: the same content gives the very same chart, whichever report asks.
    assert trend_chart("veiligheid_kinderen", points, 0.9, ">=") is chart
    assert trend_chart("groepssfeer", ((FIRST, 3.2), (SECOND, 3.6)), 3.5, ">=").alt.endswith("doel ≥ 3,5.")


def test_a_count_of_none_against_a_target_of_none_gets_whole_ticks():
    _, ticks = axis_ticks(trend_chart("klachten_interactie", ((FIRST, 0.0), (SECOND, 0.0)), 0.0, "<="))
    shown = [t for t in ticks if t]
    assert shown and all(t.isdigit() for t in shown) and len(set(shown)) == len(shown), ticks


def test_participants_per_place_and_spending_against_elapsed_time():
    chart = participants_chart((FIRST, SECOND), (("Valthermond", (60.0, 71.0)), ("Nieuw-Buinen", (None, 85.0))),
                               "dorp")
    assert chart.alt == ("Aantal deelnemende kinderen per dorp per meetmoment. Valthermond: augustus–december "
                         "2024 60, januari–juli 2025 71; Nieuw-Buinen: januari–juli 2025 85.")
    spending = spending_chart((FIRST, SECOND), (("Noord", (1000.0, 4500.0), 10000.0),), (0.25, 0.5), "wijk")
    # Budget 10.000 euro, a quarter and a half of the run behind us: 2.500 and 5.000 euro expected.
    assert ("Noord: augustus–december 2024 € 1.000 besteed, verwacht € 2.500, januari–juli 2025 € 4.500 besteed, "
            "verwacht € 5.000") in spending.alt
    assert "Noord (budget € 10.000)" in drawn_text(spending)
    assert axis_ticks(spending)[0] == ["aug–dec\n2024", "jan–jul\n2025"]
