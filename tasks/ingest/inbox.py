"""What waits in an inbox, in the order it must be loaded (planning before the attendance that refers to it)."""

from __future__ import annotations

from pathlib import Path

from kansenmonitor.config import Config
from schemas import SOURCES
from tasks.ingest.recognise import sniff_source

DELIVERY_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}
ORDER = {name: position for position, name in enumerate(SOURCES)}


def inbox_files(inbox: Path, config: Config) -> list[Path]:
    """Delivery files in `inbox`, in source order; unrecognisable files last, so they are still reported."""
    files = [p for p in sorted(Path(inbox).iterdir()) if p.is_file() and p.suffix.lower() in DELIVERY_SUFFIXES
             and not p.name.startswith((".", "~$"))]
    return sorted(files, key=lambda p: (ORDER.get(sniff_source(p, config), len(ORDER)), p.name))
