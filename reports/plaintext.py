"""The plain-text alternative of a report email, read off the HTML body so both always say the same."""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = {"p", "div", "h1", "h2", "h3", "tr", "table", "ul", "br"}
HIDDEN = {"head", "style", "script"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BLOCKS:
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden -= 1
        elif tag in BLOCKS:
            self.parts.append("\n\n" if tag in ("h1", "h2", "p", "table") else "\n")
        elif tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(re.sub(r"\s+", " ", data))


def plain_text(html: str) -> str:
    """Headings, paragraphs, list items and table rows as lines; images and markup left out."""
    collector = _TextCollector()
    collector.feed(html)
    lines = [re.sub(r" {2,}", " ", line).strip().removesuffix("|").strip()
             for line in "".join(collector.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
