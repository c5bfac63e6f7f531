"""What the runs show in the Prefect UI, in the words and figures of the reports.

The UI renders a table artifact's cells as markdown: a target such as `> 2` would become a quotation and a
file name with `*` emphasis, so every text cell is escaped. Figures are written the Dutch way, and a value the
disclosure control suppressed is not shown here either.
"""

from __future__ import annotations

import re

from kansenmonitor.catalogue import indicator
from kansenmonitor.dutch import DELIVERY_STATUS, INDICATOR_STATUS, format_value, number
from tasks.indicators.compute import IndicatorRow
from tasks.ingest.files import IngestResult

INLINE = re.compile(r"([\\`*_\[\]|<>~])")  # emphasis, code, links, table bars, HTML and quotes
BLOCK_START = re.compile(r"^([#+-])")  # a heading or a list when at the start of a cell
NUMBERED = re.compile(r"^(\d+)([.)])")  # a numbered list
COMPARISONS = {">=": "≥", "<=": "≤"}


def cell(text: object) -> str:
    """A text as it reads, never as markdown: `>=` as ≥, the characters markdown would act on escaped."""
    text = str(text)
    for written, sign in COMPARISONS.items():
        text = text.replace(written, sign)
    return NUMBERED.sub(r"\1\\\2", BLOCK_START.sub(r"\\\1", INLINE.sub(r"\\\1", text)))


def count(whole: int) -> str:
    return number(whole, 0)


SUPPRESSED = "onderdrukt (te weinig waarnemingen)"
PROTECTING = "onderdrukt (ter bescherming van een ander cijfer)"


def indicator_table(rows: list[IndicatorRow]) -> list[dict[str, str]]:
    return [{"indicator": cell(indicator(r.indicator).label), "voor": cell(r.scope_name),
             "waarde": (PROTECTING if r.protective else SUPPRESSED) if r.suppressed
             else cell(format_value(r.indicator, r.value)),
             "doel": cell(r.target or "—"), "status": INDICATOR_STATUS.get(r.status, cell(r.status)),
             "in quarantaine": count(r.quarantined_rows)}
            for r in rows]


def delivery_table(results: list[IngestResult]) -> list[dict[str, str]]:
    return [{"bestand": cell(r.file), "bron": cell(r.source or "—"),
             "status": DELIVERY_STATUS.get(r.status, cell(r.status)), "gelezen": count(r.rows_read),
             "geladen": count(r.rows_loaded), "in quarantaine": count(r.rows_quarantined), "melding": cell(r.message)}
            for r in results]


def markdown_table(table: list[dict[str, str]]) -> str:
    """The same rows as a markdown table, for a markdown artifact."""
    if not table:
        return "(geen bestanden)"
    header = list(table[0])
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row[name] for name in header) + " |" for row in table]
    return "\n".join(lines)


# What a child run's state is called in the parent's table.
CHILD_STATE = {"COMPLETED": "voltooid", "FAILED": "mislukt", "CRASHED": "afgebroken", "CANCELLED": "geannuleerd"}


def child_run_table(runs: dict[str, object]) -> list[dict[str, str]]:
    """One line per coalition: its child run and how that ended."""
    return [{"coalitie": cell(name), "run": cell(child.name),
             "status": CHILD_STATE.get(child.state.type.name, cell(child.state.name))} for name, child in runs.items()]
