"""Rendering a period's reports from a test's database, as the close does (read, then render)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from sqlalchemy import Engine

from kansenmonitor.config import Config
from kansenmonitor.periods import Period, parse_period
from reports.build import Report, build_reports
from tasks.deliver.report_data import read_publication

# The reports' one stylesheet, which base.html.j2 puts in their head.
STYLESHEET = (Path(__file__).resolve().parent.parent / "reports" / "templates" / "advies" / "report.css") \
    .read_text("utf-8").strip()


def render_reports(engine: Engine, config: Config, period: Period | str, out_dir: Path,
                   audiences: list[str] | None = None) -> list[Report]:
    period = parse_period(period, config) if isinstance(period, str) else period
    return build_reports(config, period, read_publication(engine, config, period), out_dir, audiences)


class Styles(HTMLParser):
    """Of an HTML document: the elements carrying a `style` attribute, and the text of each `<style>` element
    (stripped)."""

    def __init__(self, html: str):
        super().__init__()
        self.attributes: list[str] = []
        self.sheets: list[str] = []
        self._sheet = False
        self.feed(html)
        self.close()
        self.sheets = [sheet.strip() for sheet in self.sheets]

    def handle_starttag(self, tag, attrs):
        if any(name == "style" for name, _ in attrs):
            self.attributes.append(tag)
        self._sheet = tag == "style"
        if self._sheet:
            self.sheets.append("")

    def handle_data(self, data):
        if self._sheet:
            self.sheets[-1] += data

    def handle_endtag(self, tag):
        self._sheet = self._sheet and tag != "style"
