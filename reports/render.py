"""One template set and one stylesheet, three outputs: the HTML file (stylesheet in its head, charts as
PNG inside), the PDF (WeasyPrint on that same HTML, the charts named instead of inside: A4, running
header, page numbers, PDF/UA) and the email body (the stylesheet inlined into style attributes by
css-inline, charts by content id), all from `reports.templates`' environment.
"""

from __future__ import annotations

import base64
import gc
import io
import re
import struct
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from hashlib import md5
from pathlib import Path

import css_inline
from PIL import Image
from weasyprint import CSS, DEFAULT_OPTIONS, HTML
from weasyprint import html as weasyprint_html
from weasyprint.css.counters import CounterStyle
from weasyprint.images import RasterImage
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

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
    """How the HTML that WeasyPrint reads refers to a chart: by name, found among the `Printer`'s images, so
    its HTML parser does not read the image as text and the PDFs take the chart's PNG data as it is."""
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


# Objects allocated, net, before the youngest generation is collected while rendering (Python's default is 700).
# WeasyPrint and matplotlib make hundreds of thousands of short-lived objects per report: at 700 most of a
# report's collector time was spent promoting them and scanning them again in the older generations.
RENDER_GC_THRESHOLD = 10_000


@contextmanager
def young_heap_only() -> Iterator[None]:
    """Garbage collection while rendering looks only at what the rendering made, and less often: the process's
    long-lived objects (Prefect, pandas, SQLAlchemy: half a million of them) are set aside, where full
    collections over them cost a fifth of the reports' time, and the youngest generation is collected every
    `RENDER_GC_THRESHOLD` objects, which halved the collector's time per report. Usable as a decorator; not
    nested (leaving unfreezes all and restores the thresholds)."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(RENDER_GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
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


class _NoFetcher(URLFetcher):
    """Fetches nothing: a report's only resources are its charts, which the `Printer` hands WeasyPrint
    itself, so a reference to anything else fails the PDF rather than be fetched."""

    def __init__(self) -> None:
        super().__init__(fail_on_errors=True)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        raise FatalURLFetchingError(f"a report refers to {url}, which is not one of its charts")


def _idat(png: bytes) -> bytes:
    """The compressed rows of a PNG: its IDAT chunks' data, one zlib stream with a filter byte per row."""
    rows, at = [], 8
    while at < len(png):
        (length,), kind = struct.unpack(">I", png[at:at + 4]), png[at + 4:at + 8]
        if kind == b"IDAT":
            rows.append(png[at + 8:at + 8 + length])
        at += 12 + length
    return b"".join(rows)


class _ChartImage(RasterImage):
    """A chart as WeasyPrint places it, with the PNG's compressed rows put in the PDF as they are. WeasyPrint 70
    decodes every PNG and encodes it again in each PDF that shows it (a twelfth of a report's PDF); a PDF image
    with the PNG predictor takes an 8-bit RGB PNG's IDAT data unchanged, so the pixels are the same."""

    def __init__(self, chart: Chart, cache: dict) -> None:
        url = chart_url(chart)
        if chart.png[24:26] != b"\x08\x02" or chart.png[28] != 0:  # the header's bit depth, colour type, interlace
            raise ValueError(f"{chart.name} is not an 8-bit RGB PNG without interlacing")
        with Image.open(io.BytesIO(chart.png)) as header:  # reads the header only
            super().__init__(header, md5(url.encode(), usedforsecurity=False).hexdigest(), chart.png, None, cache,
                             "from-image", DEFAULT_OPTIONS)
        self._rows = _idat(chart.png)

    def _get_png_data(self, pillow_image: Image.Image) -> bytes:
        return self._rows


class Printer:
    """WeasyPrint's state for the PDFs of one build, `with Printer() as pdf:`: one Pango font map and one image
    cache (the build's charts, each placed as it is), so that fonts are set up once and no chart is decoded.

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
        for chart in charts:
            if chart_url(chart) not in self._images:
                self._images[chart_url(chart)] = _ChartImage(chart, self._images)
        _ReportHTML(string=html, url_fetcher=_NoFetcher()).write_pdf(
            target, pdf_variant=PDF_VARIANT, font_config=self._fonts, cache=self._images)
        return target
