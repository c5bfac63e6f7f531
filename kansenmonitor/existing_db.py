"""Opening the database for a command that only reads it: a typo in `--db` must not create an empty one.

SQLite creates a missing file on connect and PostgreSQL refuses with an English server message, so
both are checked before anything connects, and a database without kansenmonitor's tables is named too.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, make_url
from sqlalchemy.exc import OperationalError

from kansenmonitor.db import database_url, make_engine


class DatabaseMissing(RuntimeError):
    """The database a read-only command names does not exist, or holds no kansenmonitor tables."""


def open_existing(url: str | None) -> Engine:
    """An engine on an existing, migrated database, or DatabaseMissing with a Dutch message; creates nothing."""
    full = database_url(url)
    parsed = make_url(full)
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise DatabaseMissing(f"database {shown} bestaat niet: geef het pad van een SQLite-bestand")
        if not Path(database).is_file():
            raise DatabaseMissing(f"database {shown} bestaat niet (geen bestand {database}); controleer --db of "
                                  "KANSENMONITOR_DATABASE_URL")
    engine = make_engine(full)
    try:
        with engine.connect() as conn:
            migrated = inspect(conn).has_table("delivery")
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig or exc).strip().splitlines()[0]
        if "does not exist" in reason:
            raise DatabaseMissing(f"database {shown} bestaat niet; controleer --db of KANSENMONITOR_DATABASE_URL"
                                  ) from None
        raise DatabaseMissing(f"database {shown} is niet bereikbaar: {reason}") from None
    if not migrated:
        engine.dispose()
        raise DatabaseMissing(f"database {shown} bevat geen kansenmonitor-tabellen; maak ze eerst aan met "
                              "'kansenmonitor migrate --db ...' of laad aanleveringen met 'kansenmonitor ingest'")
    return engine
