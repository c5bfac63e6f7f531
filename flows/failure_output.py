"""`kansenmonitor failures` on screen or in a pipe: formats that read at any width.

`blokken` (the default) gives one block per failed row, wrapped to the terminal's width (80 columns
when it is not a terminal); `regels` one line per reason for grep; `tabel` the wide table for a wide
terminal; `csv` and `json` for other programs. Only `tabel` uses colour or box drawing, and only on a
terminal.
"""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from io import StringIO

from kansenmonitor.safe_output import write_csv
from tasks.ingest.failures import LISTING_HEADER, FailedRow, listing

FORMATS = ("blokken", "regels", "tabel", "csv", "json")


def render(rows: list[FailedRow], form: str, width: int | None = None) -> str:
    """The failures in `form` (one of FORMATS) as text ending in a newline."""
    width = width or shutil.get_terminal_size((80, 24)).columns
    return {"blokken": _blocks, "regels": _lines, "tabel": _table, "csv": _csv, "json": _json}[form](rows, width)


def _place(row: FailedRow) -> str:
    sheet = f", werkblad {row.original_sheet}" if row.original_sheet else ""
    return f"{row.original_file}{sheet}, rij {row.original_row}"


def _blocks(rows: list[FailedRow], width: int) -> str:
    blocks = []
    for row in rows:
        lines = textwrap.wrap(f"Correctie-ID {row.reference} · {_place(row)}", width, subsequent_indent="    ",
                              break_on_hyphens=False)
        facts = f"bron {row.source}, periode {row.period or 'onbekend'}, {row.status}"
        if row.via:
            facts += f"; opnieuw aangeleverd in {row.via}"
        lines += textwrap.wrap(facts, width, initial_indent="  ", subsequent_indent="    ")
        for column, value, reason in row.reasons:
            what = f"{column or 'rij'}" + (f" '{value}'" if value else "")
            lines += textwrap.wrap(f"{what}: {reason}", width, initial_indent="  - ", subsequent_indent="    ",
                                   break_on_hyphens=False)
        blocks.append("\n".join(lines))
    return "".join(f"{block}\n\n" for block in blocks)


def _lines(rows: list[FailedRow], _width: int) -> str:
    out = []
    for row in rows:
        for column, value, reason in row.reasons:
            what = f"{column or 'rij'}" + (f" '{value}'" if value else "")
            out.append(f"{row.original_file}:{row.original_row}: [{row.reference}] {row.source} "
                       f"{row.period or '-'}: {what}: {reason}")
    return "".join(f"{line}\n" for line in out)


def _table(rows: list[FailedRow], width: int) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(*[h.lower() for h in LISTING_HEADER])
    for line in listing(rows):
        table.add_row(*[str(c) for c in line])
    buffer = StringIO()
    Console(file=buffer, width=width, force_terminal=sys.stdout.isatty(), highlight=False).print(table)
    return buffer.getvalue()


def _csv(rows: list[FailedRow], _width: int) -> str:
    buffer = StringIO()
    write_csv(buffer, LISTING_HEADER, listing(rows))
    return buffer.getvalue()


def _json(rows: list[FailedRow], _width: int) -> str:
    keys = ["correctie_id", "bestand", "werkblad", "bron", "periode", "rij", "kolom", "waarde", "reden",
            "aangeleverd_in", "status"]
    return json.dumps([dict(zip(keys, line)) for line in listing(rows)], ensure_ascii=False, indent=1) + "\n"
