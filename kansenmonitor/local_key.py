"""A pseudonym key for one machine, so that `make serve` runs the cycle on a fresh clone.

A deployment sets its own key (KANSENMONITOR_PSEUDONYM_KEY or a Prefect Secret block) and then no local key is
made or read: `tasks.pseudonymise` prefers the deployment's. Without one, `bin/serve` names `var/pseudonym.key`
as KANSENMONITOR_PSEUDONYM_KEY_FILE and this module creates it once: random, readable by its owner only. The
same file must stay: a new key gives the same children new pseudonyms.

Usage: `python -m kansenmonitor.local_key PATH`.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from kansenmonitor.settings import settings


def ensure_local_key(path: Path) -> bool:
    """Write a new random key to `path` (mode 0600) unless it exists; True when it was created now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(handle, "w", encoding="utf-8") as key_file:
        key_file.write(secrets.token_urlsafe(32) + "\n")
    return True


def announce(path: Path) -> str:
    """Create the key when needed and say which key the runs on this machine use."""
    environment = settings()
    if environment.pseudonym_key or environment.pseudonym_secret_block:
        return "pseudonimisering: de sleutel van de deployment (KANSENMONITOR_PSEUDONYM_KEY of het Secret-blok)"
    if ensure_local_key(path):
        return (f"pseudonimisering: nieuwe lokale sleutel aangemaakt in {path} (alleen leesbaar voor de eigenaar).\n"
                "  Bewaar dit bestand: met een andere sleutel krijgen dezelfde leerlingen andere pseudoniemen.\n"
                "  Voor echte gegevens: zet KANSENMONITOR_PSEUDONYM_KEY (of KANSENMONITOR_PSEUDONYM_SECRET_BLOCK); "
                "dan wordt dit bestand niet gebruikt.")
    return f"pseudonimisering: de lokale sleutel in {path}"


if __name__ == "__main__":
    print(announce(Path(sys.argv[1])))
