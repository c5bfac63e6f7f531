"""Alembic environment: migrations run on the URL kansenmonitor was given, SQLite or PostgreSQL."""

from alembic import context
from sqlalchemy import text

from kansenmonitor.db import Base, make_engine

config = context.config
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
connection = config.attributes.get("connection")


# Workers start many runs at once, each migrating first: on PostgreSQL they queue on this lock (released with the
# migration's transaction), and the next finds the schema already up to date instead of creating it again.
MIGRATION_LOCK = 0x6B616E73  # "kans"


def _run(conn) -> None:
    context.configure(
        connection=conn,
        target_metadata=Base.metadata,
        render_as_batch=conn.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": MIGRATION_LOCK})
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    with make_engine(url).connect() as conn:
        _run(conn)
