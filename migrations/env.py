"""Alembic environment: migrations run on the URL kansenmonitor was given, SQLite or PostgreSQL."""

from alembic import context

from kansenmonitor.db import Base, make_engine

config = context.config
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
connection = config.attributes.get("connection")


def _run(conn) -> None:
    context.configure(
        connection=conn,
        target_metadata=Base.metadata,
        render_as_batch=conn.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    with make_engine(url).connect() as conn:
        _run(conn)
