"""What waits in an inbox, found without opening a file: which file is what is learnt when ingest reads it
(once), and the loading follows in source order from there (`tasks.ingest.files.ingest_files`).

Every entry is accounted for: a delivery is read, a file in a form that cannot be read gets a ledger row
saying what to deliver instead, and what is not read at all (a file still being written, a temporary
file, a link or device that could lead out of the inbox) is skipped with the reason.
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from kansenmonitor.config import Config
from kansenmonitor.settings import settings

DELIVERY_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}
TEMPORARY_SUFFIXES = {".part", ".partial", ".crdownload", ".download", ".tmp"}
DELIVER_INSTEAD = "lever het opnieuw aan als Excel-werkmap (.xlsx) of als CSV UTF-8 (.csv)"
UNSUPPORTED = {
    ".xls": "een Excel 97-2003-werkmap (.xls) wordt niet gelezen; open het in Excel, kies Opslaan als > "
            "Excel-werkmap (.xlsx) en lever dat bestand aan",
    ".ods": "een OpenDocument-rekenblad (.ods) wordt niet gelezen; kies in LibreOffice Opslaan als > "
            "Excel 2007-365 (.xlsx) en lever dat bestand aan",
    ".xlsb": "een binaire Excel-werkmap (.xlsb) wordt niet gelezen; kies in Excel Opslaan als > "
             "Excel-werkmap (.xlsx) en lever dat bestand aan",
    "": f"het bestand heeft geen extensie, dus niet te zien is wat voor bestand het is; {DELIVER_INSTEAD}",
}


@dataclass
class Inbox:
    """An inbox's entries: files to ingest (by name) and entries left alone, each with its reason."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def unsupported(path: Path) -> str | None:
    """Why a file's form cannot be read, telling the steward what to deliver instead; None when it can."""
    suffix = path.suffix.lower()
    if suffix in DELIVERY_SUFFIXES:
        return None
    return UNSUPPORTED.get(suffix, f"bestandsvorm '{suffix}' wordt niet gelezen; {DELIVER_INSTEAD}")


def settle_seconds(config: Config) -> float:
    """How long a file must be unchanged before it is read: the configuration's, unless the environment
    (`KANSENMONITOR_INBOX_SETTLE_SECONDS`) overrides it for every coalition (the test suite and the bench write
    complete files and read them at once)."""
    override = settings().inbox_settle_seconds
    return config.inbox_settle_seconds if override is None else override


def _skip_reason(entry: os.DirEntry, settle: float, now: float) -> str | None:
    """Why an entry is not read now, or None: links, devices and folders never, temporary files never, a file
    changed in the last `settle` seconds not yet (it may still be being written)."""
    if entry.is_symlink():
        return ("dit is een snelkoppeling (symbolische link) en wordt niet gevolgd: de kansenmonitor leest alleen "
                "gewone bestanden die in de inbox zelf staan; zet het bestand zelf in de inbox")
    info = entry.stat(follow_symlinks=False)
    if stat.S_ISDIR(info.st_mode):
        return "dit is een map; bestanden in een map worden niet gelezen, zet ze direct in de inbox"
    if not stat.S_ISREG(info.st_mode):
        return "dit is geen gewoon bestand (maar een apparaat, pipe of socket) en wordt niet gelezen"
    name = entry.name
    if name.startswith((".", "~$")) or Path(name).suffix.lower() in TEMPORARY_SUFFIXES:
        return ("dit is een tijdelijk of verborgen bestand (bijvoorbeeld een download die nog loopt) en wordt "
                "overgeslagen")
    age = now - info.st_mtime
    if age < settle:
        return (f"dit bestand is {max(age, 0):.0f} seconden geleden nog gewijzigd en wordt misschien nog geschreven; "
                f"het wordt gelezen zodra het {settle:g} seconden ongewijzigd is (inbox_settle_seconds)")
    return None


def scan_inbox(inbox: Path, config: Config, settle: float | None = None, now: float | None = None) -> Inbox:
    """Every entry of `inbox`: the files to ingest by name, and the entries skipped with their reason."""
    inbox = Path(inbox).resolve()
    settle = settle_seconds(config) if settle is None else settle
    now = time.time() if now is None else now
    found = Inbox()
    with os.scandir(inbox) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            reason = _skip_reason(entry, settle, now)
            if reason:
                found.skipped.append((inbox / entry.name, reason))
            else:
                found.files.append(inbox / entry.name)
    return found


def inbox_files(inbox: Path, config: Config) -> list[Path]:
    """The files of `inbox` to ingest now, by name (`ingest_files` loads them in source order)."""
    return scan_inbox(inbox, config).files
