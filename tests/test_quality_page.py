"""The steward's quality page: every finding of the period, naming period, source and school (or session or
village), opens in headless Chromium with all networking blocked, and asks for nothing outside the file;
no file kansenmonitor writes for people loads a script, style, image or font over http(s)."""

from __future__ import annotations

import email
import html
import re
from email import policy
from html.parser import HTMLParser

import pytest
from playwright.sync_api import sync_playwright
from typer.testing import CliRunner

from flows.cli import app
from flows.close_period import judge_period
from kansenmonitor.db import make_engine
from kansenmonitor.migrate import migrate
from kansenmonitor.periods import parse_period
from tests.conftest import ROOT
from tests.deliveries import attendance, planning, present, session, write_csv
from tests.test_quality import two_halves

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


def open_offline(path):
    """The page's rows as Chromium shows them, and every request it tried that was not the file itself."""
    attempted = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()

            def guard(route):
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    attempted.append(route.request.url)
                    route.abort()

            page.route("**/*", guard)
            page.goto(path.as_uri())
            rows = page.locator("tr.bevinding").evaluate_all(
                "rows => rows.map(r => Array.from(r.cells, c => c.innerText.trim()))")
            summary = page.locator("#samenvatting").inner_text()
            passed = page.locator("li").all_inner_texts()
        finally:
            browser.close()
    return rows, summary, passed, attempted


def test_the_quality_page_shows_every_finding_offline(sqlite_url, backpack, tmp_path):
    migrate(sqlite_url)
    engine = make_engine(sqlite_url)
    two_halves(engine, backpack, tmp_path)
    result = judge_period(engine, backpack, parse_period("2024-2025-H2", backpack), tmp_path / "out")
    engine.dispose()

    rows, summary, passed, attempted = open_offline(result.page)
    assert attempted == []
    period = "2024-2025-H2"
    assert rows == [
        [period, "aanwezigheid", "School 59", "School 59 leverde geen aanwezigheid aan voor het tweede meetmoment (januari–juli 2025)", "ja",
         "volledigheid_aanwezigheid"],
        [period, "begeleiders", "begeleiders", "Register begeleiders is 395 dagen oud op 31-07-2025 (aangeleverd op "
         "01-07-2024 als begeleiders.csv; toegestaan is 365 dagen)", "ja", "register_begeleiders_verouderd"],
        [period, "aanwezigheid", "12-03-2025 Voetbal Valthermond", "Sessie 12-03-2025 Voetbal in Valthermond: 20 "
         "kinderen aanwezig, meer dan 3× de mediaan (6)", "nee", "sessie_uitschieter"],
        [period, "aanwezigheid", "Nieuw-Buinen", "Deelnemers in Nieuw-Buinen dalen van 12 in het eerste meetmoment (augustus–december 2024) naar 4 in het "
         "tweede meetmoment (januari–juli 2025) (-67%)", "nee", "deelnemers_daling"],
    ]
    assert summary.startswith("7 controles; 4 bevindingen, waarvan 2 blokkerend.")
    assert len(passed) == 3 and "Het register begeleiders is aangeleverd. (begeleiders)" in passed


class Assets(HTMLParser):
    """Every address an HTML file would load by itself: scripts, styles, images, fonts, frames, media."""

    LOADING = {"script": "src", "img": "src", "iframe": "src", "source": "src", "video": "src", "audio": "src",
               "embed": "src", "object": "data", "link": "href"}

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link" and attributes.get("rel") not in ("stylesheet", "icon", "preload", "font", None):
            return
        if attributes.get(self.LOADING.get(tag, "")):
            self.found.append(attributes[self.LOADING[tag]])
        if "srcset" in attributes:
            self.found.append(attributes["srcset"])
        if "style" in attributes:
            self.found += re.findall(r"url\(\s*['\"]?([^'\")]+)", attributes["style"])

    def handle_data(self, data):
        self.found += re.findall(r"url\(\s*['\"]?([^'\")]+)", data) + re.findall(r"@import\s+['\"]([^'\"]+)", data)


def external_assets(markup: str) -> list[str]:
    parser = Assets()
    parser.feed(markup)
    return [a for a in parser.found if a.strip().lower().startswith(("http://", "https://", "//"))]


def test_the_asset_check_finds_what_it_looks_for():
    markup = ('<link rel="stylesheet" href="https://cdn.example/x.css"><script src="http://cdn.example/x.js">'
              '</script><img src="data:image/png;base64,AA"><a href="https://example.nl">link</a>'
              '<style>@import "https://fonts.example/f.css"; p {background: url(//img.example/p.png)}</style>')
    assert external_assets(markup) == ["https://cdn.example/x.css", "http://cdn.example/x.js",
                                       "//img.example/p.png", "https://fonts.example/f.css"]


@pytest.fixture
def people_files(prefect_harness, sqlite_url, tmp_path):
    """Everything one `run` writes for people: reports, validation report, quality page, emails."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "planning.csv", planning(session(), session(area="<b>Emmen</b>", title="Hockey")))
    write_csv(inbox / "aanwezigheid.csv", attendance(present("1"), present("2")))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", "--config", str(ROOT / "config" / "borger-odoorn.yaml"), "--inbox",
                                      str(inbox), "--period", "2024-2025-H1", "--db", sqlite_url, "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def test_no_file_for_people_loads_anything_over_http(people_files):
    pages = sorted(people_files.rglob("*.html"))
    names = {p.name for p in pages}
    assert {"validatie.html", "kwaliteit-2024-2025-H1.html", "stuurgroep.html"} <= names
    emails = sorted(people_files.rglob("*.eml"))
    assert emails
    documents = {str(p): p.read_text(encoding="utf-8") for p in pages}
    for path in emails:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for part in message.walk():
            if part.get_content_type() == "text/html":
                documents[f"{path} ({part.get_content_type()})"] = part.get_content()
    assert any("(text/html)" in name for name in documents)
    for name, markup in documents.items():
        assert external_assets(markup) == [], name
    validation = documents[str(people_files / "validatie.html")]
    assert '<a href="kwaliteit-2024-2025-H1.html">Datakwaliteit 2024-2025-H1</a>' in validation
    assert html.escape("<b>Emmen</b>", quote=False) in validation
