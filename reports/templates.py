"""The one Jinja environment every page and report is written from, apart from the PDF engine: the steward's pages
(validation, quality) need no WeasyPrint, Pango or matplotlib, so an ingest run does not load them.

Autoescape is on for every `.html`/`.j2` template, so delivered free text (ideas, remarks, names) is
inert wherever it appears.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from kansenmonitor import dutch
from schemas import SOURCES


def source_label(name: str) -> str:
    """A source as the sources catalogue names it in Dutch, for a table cell: `bestedingen` is `Bestedingen NPO`."""
    described = SOURCES[name].description if name in SOURCES else name
    return described[:1].upper() + described[1:]


environment = Environment(loader=PackageLoader("reports"), autoescape=select_autoescape(["html", "j2"]),
                          undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
environment.filters["dutch_date"] = dutch.date
environment.filters["number"] = dutch.plain_number
environment.filters["source_label"] = source_label
