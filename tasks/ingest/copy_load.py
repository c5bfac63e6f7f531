"""Fact rows into PostgreSQL by COPY: the server's bulk path, several times faster than INSERTs.

The rows stream through the caller's SQLAlchemy connection, so they share its transaction: a file is
still loaded whole or not at all. psycopg escapes every value (tabs, line breaks, backslashes) and
sends None as NULL, so the text reaches the table exactly as the INSERT path would store it. A driver
error comes back as SQLAlchemy's, so callers handle a dropped connection the same on either path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Table
from sqlalchemy.exc import DBAPIError


def copy_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Stream `rows` (values in `columns` order, None for NULL) into `table`; returns how many were sent."""
    quote = conn.dialect.identifier_preparer
    statement = f"COPY {quote.format_table(table)} ({', '.join(quote.quote(c) for c in columns)}) FROM STDIN"
    dbapi_error = conn.dialect.loaded_dbapi.Error
    count = 0
    try:
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    except dbapi_error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi_error, dialect=conn.dialect) from exc
    return count
