"""compact record key: the fact tables' current rows indexed by an 8-byte digest of the key

The index `(coalition, record_key, superseded_by)` held the text key (often 140 characters) of every version
ever delivered, as large as the table itself at national scale. `key_hash` is the first 8 bytes of the key's
SHA-256 as a signed bigint (`kansenmonitor.db.key_hash`), and `ix_<table>_current` becomes a partial index on
`(coalition, key_hash)` of the current rows only. Lookups compare the text key as well, so a shared digest
never mixes two records.

Rows already loaded get their digest here: in SQL on PostgreSQL (the write-once triggers of 0004 are set
aside for the one update, as the owner), through the same Python function on SQLite.

Revision ID: 0008_compact_record_key
Revises: 0007_interpretations
"""

import sqlalchemy as sa
from alembic import op

from kansenmonitor.db import key_hash

revision = '0008_compact_record_key'
down_revision = '0007_interpretations'
branch_labels = None
depends_on = None

FACTS = ("activity_session", "attendance", "child_response", "parent_response", "staff_feedback", "supervisor",
         "complaint", "pupil_count", "spending", "partner_response", "interpretation")
# The first 16 hex digits of SHA-256, read as a two's-complement 64-bit integer: `key_hash` in SQL.
PG_KEY_HASH = "('x' || left(encode(sha256(convert_to(record_key, 'UTF8')), 'hex'), 16))::bit(64)::bigint"
CURRENT = sa.text("superseded_by IS NULL")


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    if not postgresql:
        bind.connection.driver_connection.create_function("km_key_hash", 1, key_hash, deterministic=True)
        op.execute("PRAGMA defer_foreign_keys = ON")  # the tables are rebuilt to make the column NOT NULL
    for table in FACTS:
        op.add_column(table, sa.Column('key_hash', sa.BigInteger(), nullable=True))
        if postgresql:
            op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_write_once")
            op.execute(f"UPDATE {table} SET key_hash = {PG_KEY_HASH}")
            op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_write_once")
        else:
            op.execute(f"UPDATE {table} SET key_hash = km_key_hash(record_key)")
        op.drop_index(f'ix_{table}_current', table)
        with op.batch_alter_table(table) as batch:
            batch.alter_column('key_hash', existing_type=sa.BigInteger(), nullable=False)
        op.create_index(f'ix_{table}_current', table, ['coalition', 'key_hash'],
                        postgresql_where=CURRENT, sqlite_where=CURRENT)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("PRAGMA defer_foreign_keys = ON")
    for table in FACTS:
        op.drop_index(f'ix_{table}_current', table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column('key_hash')
        op.create_index(f'ix_{table}_current', table, ['coalition', 'record_key', 'superseded_by'])
