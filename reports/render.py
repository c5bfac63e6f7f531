"""One template set and one stylesheet, three outputs: the HTML file (stylesheet in its head, charts as
PNG inside), the PDF (WeasyPrint on that same HTML, the charts named instead of inside: A4, running
header, page numbers, PDF/UA) and the email body (the stylesheet inlined into style attributes by
css-inline, charts by content id), all from `reports.templates`' environment.
"""

from __future__ import annotations

import base64
import gc
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import css_inline
from weasyprint import CSS, HTML
from weasyprint import html as weasyprint_html
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from reports.charts import Chart
from reports.templates import environment

PDF_VARIANT = "pdf/ua-1"
CHART_SCHEME = "kansenmonitor-chart"
_inliner = css_inline.CSSInliner()


def cid_src(chart: Chart) -> str:
    """How the email body refers to a chart: the inline PNG part with this content id."""
    return f"cid:{chart.cid}"


def data_uri(chart: Chart) -> str:
    """How a standalone file refers to a chart: the image itself, so the file needs nothing beside it."""
    return "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")


def chart_url(chart: Chart) -> str:
    """How the HTML that WeasyPrint reads refers to a chart: by name, fetched from the build's charts, so
    its HTML parser does not read the image as text and each chart is decoded once for all of a build's PDFs."""
    return f"{CHART_SCHEME}:{chart.name}"


def with_data_uris(html: str, charts: Iterable[Chart]) -> str:
    """The HTML rendered with `chart_url` as the standalone file: each chart inside it (autoescaped text
    cannot contain `src="`, so only the template's images are replaced)."""
    for chart in charts:
        html = html.replace(f'src="{chart_url(chart)}"', f'src="{data_uri(chart)}"')
    return html


def render_html(template: str, context: dict, src: Callable[[Chart], str], email: bool = False) -> str:
    return environment.get_template(template).render(**context, src=src, email=email)


def email_html(template: str, context: dict) -> str:
    """The email body, with the stylesheet inlined into style attributes."""
    return _inliner.inline(render_html(template, context, cid_src, email=True))


@contextmanager
def young_heap_only() -> Iterator[None]:
    """Garbage collection while rendering looks only at what the rendering made: the process's long-lived
    objects (Prefect, pandas, SQLAlchemy: half a million of them) are set aside, where full collections over
    them cost a fifth of the reports' time. Usable as a decorator; not nested (leaving unfreezes all)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# WeasyPrint's user-agent stylesheet gives every element a marker and five footnote and note pseudo-elements,
# so it computed six styles per element that a report never shows (footnotes and notes are not used; only list
# items have markers): about a twentieth of a report's time. The same sheet without them draws the same pages.
_UNUSED_PSEUDO = re.compile(r"^::(footnote-call|footnote-marker|note-call|note-marker|note-callback) \{[^}]*\}\n",
                            re.MULTILINE)
USER_AGENT_CSS = _UNUSED_PSEUDO.sub("", weasyprint_html.UA).replace("\n::marker {", "\nli::marker {")
# Its @counter-style rules are read into a dict of their own: they are in WeasyPrint's counter styles already,
# which every rendering starts from, and `decimal` and `disc` may be defined only once in each.
_USER_AGENT = CSS(string=USER_AGENT_CSS, counter_style=CounterStyle())


class _ReportHTML(HTML):
    """A report for WeasyPrint, with the lean user-agent stylesheet (WeasyPrint's hook for its own sheets)."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [_USER_AGENT]


class _ChartFetcher(URLFetcher):
    """Gives WeasyPrint the report's charts by name and nothing else: a report refers to no other resource,
    and one that did would fail the PDF rather than be fetched."""

    def __init__(self, charts: Iterable[Chart]) -> None:
        super().__init__(fail_on_errors=True)
        self._png = {chart_url(chart): chart.png for chart in charts}

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        return URLFetcherResponse(url, self._png[url], {"Content-Type": "image/png"})


class Printer:
    """WeasyPrint's state for the PDFs of one build, `with Printer() as pdf:`: one Pango font map and one image
    cache, so that fonts are set up once and a chart shown in several PDFs is decoded once.

    Leaving the `with` frees both while Pango is loaded. The font map is a Pango object that cffi frees by
    calling into Pango, in reference cycles with WeasyPrint's layouts, so it is dropped and the build's garbage
    collected. Held in a module global instead, it lived to the interpreter's exit and was freed after cffi had
    closed libpangoft2: the process crashed (SIGSEGV)."""

    def __init__(self) -> None:
        self._fonts = FontConfiguration()
        self._images: dict = {}

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, *_) -> None:
        del self._fonts, self._images
        gc.collect()

    def write_pdf(self, html: str, target: Path, charts: Iterable[Chart] = ()) -> Path:
        """The PDF of the HTML rendered with `chart_url`, tagged for screen readers (PDF/UA-1)."""
        _ReportHTML(string=html, url_fetcher=_ChartFetcher(charts)).write_pdf(
            target, pdf_variant=PDF_VARIANT, font_config=self._fonts, cache=self._images)
        return target
