"""One template set, three outputs: the email body (charts by content id), the HTML file (charts embedded)
and the PDF (WeasyPrint on that same HTML).

Autoescape is on for every `.html`/`.j2` template, so delivered free text (ideas, remarks, names) is
inert wherever it appears. Styles are written inline from one table here, because mail clients drop
style sheets; only the PDF's page size comes from a style sheet, and the browser and mail never see it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from weasyprint import CSS, HTML

from kansenmonitor import dutch
from reports.charts import Chart

PAGE_CSS = "@page { size: A4; margin: 14mm 12mm; } body { font-size: 10pt; }"

_CELL = "padding: 6px 8px; border-bottom: 1px solid #dde3ea; vertical-align: top; text-align: left;"
STYLE = {
    "body": "margin: 0; padding: 0; background: #ffffff; color: #1d2733; "
            "font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.45;",
    "page": "max-width: 720px; margin: 0 auto; padding: 16px;",
    "h1": "font-size: 24px; margin: 0 0 4px 0; color: #1f5f8b;",
    "h2": "font-size: 19px; margin: 28px 0 8px 0; padding-top: 8px; border-top: 3px solid #1f5f8b; color: #1f5f8b; "
          "page-break-after: avoid;",
    "h3": "font-size: 15px; margin: 16px 0 4px 0; text-transform: uppercase; letter-spacing: 0.05em; "
          "color: #4a5a6a; page-break-after: avoid;",
    "keep": "page-break-inside: avoid;",
    "p": "margin: 0 0 8px 0;",
    "muted": "color: #5b6b7b; font-size: 13px;",
    "note": "color: #5b6b7b; font-size: 13px; font-weight: normal; white-space: normal;",
    "table": "border-collapse: collapse; width: 100%; margin: 4px 0 12px 0; font-size: 14px;",
    "th": _CELL + " background: #e8eef5; font-weight: bold;",
    "td": _CELL,
    "num": _CELL + " text-align: right; white-space: nowrap;",
    "figure": _CELL + " font-weight: bold; white-space: nowrap;",
    "target": _CELL + " white-space: nowrap;",
    "caption": "margin: 12px 0 0 0; color: #4a5a6a; font-size: 13px; font-weight: bold;",
    "img": "display: block; width: 100%; max-width: 640px; height: auto; margin: 4px 0 12px 0; border: 0;",
    "met": "display: inline-block; padding: 2px 8px; border-radius: 3px; background: #e3f2e6; color: #1e6b34; "
           "font-weight: bold;",
    "not_met": "display: inline-block; padding: 2px 8px; border-radius: 3px; background: #fbe7e4; "
               "color: #a0281e; font-weight: bold;",
    "no_data": "display: inline-block; padding: 2px 8px; border-radius: 3px; background: #eceff2; "
               "color: #4a5a6a; font-weight: bold;",
    "advice": "margin: 0 0 6px 0; padding: 8px 12px; background: #f3f7fb; border-left: 4px solid #1f5f8b;",
    "list": "margin: 0 0 8px 0; padding-left: 20px;",
}


environment = Environment(loader=PackageLoader("reports"), autoescape=select_autoescape(["html", "j2"]),
                          undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
environment.globals["style"] = STYLE
environment.filters["dutch_date"] = dutch.date


def cid_src(chart: Chart) -> str:
    """How the email body refers to a chart: the inline image part with this content id."""
    return f"cid:{chart.cid}"


def data_uri(chart: Chart) -> str:
    """How a standalone file refers to a chart: the PNG itself, so the file needs nothing beside it."""
    return "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")


def render_html(template: str, context: dict, src: Callable[[Chart], str]) -> str:
    return environment.get_template(template).render(**context, src=src)


def write_pdf(html: str, target: Path) -> Path:
    """The PDF of the same HTML, on A4."""
    HTML(string=html).write_pdf(target, stylesheets=[CSS(string=PAGE_CSS)])
    return target
