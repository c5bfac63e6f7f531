"""One template set and one stylesheet, three outputs: the HTML file (stylesheet in its head, charts as
PNG inside), the PDF (WeasyPrint on that same HTML: A4, running header, page numbers, PDF/UA) and the
email body (the stylesheet inlined into style attributes by css-inline, charts by content id).

Autoescape is on for every `.html`/`.j2` template, so delivered free text (ideas, remarks, names) is
inert wherever it appears.
"""

from __future__ import annotations

import base64
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from kansenmonitor import dutch
from reports.charts import Chart

PDF_VARIANT = "pdf/ua-1"
environment = Environment(loader=PackageLoader("reports"), autoescape=select_autoescape(["html", "j2"]),
                          undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
environment.filters["dutch_date"] = dutch.date
environment.filters["number"] = dutch.plain_number
_inliner = css_inline.CSSInliner()
_fonts = threading.local()


def cid_src(chart: Chart) -> str:
    """How the email body refers to a chart: the inline PNG part with this content id."""
    return f"cid:{chart.cid}"


def data_uri(chart: Chart) -> str:
    """How a standalone file refers to a chart: the image itself, so the file needs nothing beside it."""
    return "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")


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


def _font_configuration() -> FontConfiguration:
    """One Pango font map per thread, reused by every PDF it renders rather than set up for each."""
    if not hasattr(_fonts, "configuration"):
        _fonts.configuration = FontConfiguration()
    return _fonts.configuration


def write_pdf(html: str, target: Path) -> Path:
    """The PDF of the same HTML, tagged for screen readers (PDF/UA-1)."""
    HTML(string=html).write_pdf(target, pdf_variant=PDF_VARIANT, font_config=_font_configuration())
    return target
