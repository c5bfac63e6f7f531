"""load safety: retried refusals in the ledger, indexes for superseding, write-once evidence

- `delivery`: why a file was refused (`refusal_cause`, `refusal_context`) and when it was tried again
  (`retried_at` on the refused row, `retry_of` on the new attempt). The checksum stays unique among the rows
  not retried: one live row per file, loaded at most once, and a refused file may be tried again.
- Indexes for superseding a file by its name and resolving failures by their record, so both stay index
  lookups however large the coalition.
- `pseudonym_key_check`: which key (demo or not) a database's pseudonyms were made with.
- The loader may no longer rewrite evidence: of the facts only `superseded_by`, of quarantine only
  `resolved_by`, of the ledger only `retried_at`, and each only once (NULL to a value, triggers).
  PostgreSQL only, like the grants of 0002.

Revision ID: 0004_load_safety
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa

revision = '0004_load_safety'
down_revision = '0003'
branch_labels = None
depends_on = None

LOADER = "kansenmonitor_loader"
FACTS = ("activity_session", "attendance", "child_response", "parent_response", "staff_feedback", "supervisor",
         "complaint", "pupil_count", "spending", "partner_response")
EVIDENCE = ("delivery", "quarantined_row", "quarantine_reason", *FACTS)
# The one column of each evidence table the loader may set, once.
WRITE_ONCE = {**dict.fromkeys(FACTS, "superseded_by"), "quarantined_row": "resolved_by", "delivery": "retried_at"}

WRITE_ONCE_FUNCTION = """
CREATE FUNCTION kansenmonitor_write_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'bewijs wordt niet herschreven: %.% is al gezet', TG_TABLE_NAME, TG_ARGV[0]
        USING ERRCODE = 'insufficient_privilege';
END $$
"""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgresql():
        # SQLite rebuilds the table to drop the inline unique constraint; the references of the other
        # tables to `delivery` are checked at commit, when the rebuilt table is in place again.
        op.execute("PRAGMA defer_foreign_keys = ON")
    with op.batch_alter_table('delivery') as table:
        table.add_column(sa.Column('refusal_cause', sa.String(length=20), nullable=True))
        table.add_column(sa.Column('refusal_context', sa.String(length=64), nullable=True))
        table.add_column(sa.Column('retried_at', sa.DateTime(), nullable=True))
        table.add_column(sa.Column('retry_of', sa.Integer(), nullable=True))
        table.create_foreign_key('fk_delivery_retry_of', 'delivery', ['retry_of'], ['id'])
        table.drop_constraint('uq_delivery_checksum', type_='unique')
    live = sa.text("retried_at IS NULL")
    op.create_index('uq_delivery_checksum', 'delivery', ['coalition', 'sha256'], unique=True,
                    postgresql_where=live, sqlite_where=live)
    op.create_index('ix_delivery_file_name', 'delivery', ['coalition', 'file_name'])
    op.create_index('ix_quarantined_row_record', 'quarantined_row', ['coalition', 'source', 'record_key'])
    op.create_table('pseudonym_key_check',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('fingerprint', sa.String(length=64), nullable=False),
                    sa.Column('demo', sa.Boolean(), nullable=False),
                    sa.Column('recorded_at', sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    if not _postgresql():
        return
    op.execute(f"GRANT SELECT, INSERT ON pseudonym_key_check TO {LOADER}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE pseudonym_key_check_id_seq TO {LOADER}")
    op.execute(f"REVOKE UPDATE ON {', '.join(EVIDENCE)} FROM {LOADER}")
    op.execute(WRITE_ONCE_FUNCTION)
    for table, column in WRITE_ONCE.items():
        op.execute(f"GRANT UPDATE ({column}) ON {table} TO {LOADER}")
        op.execute(f"CREATE TRIGGER {table}_write_once BEFORE UPDATE ON {table} FOR EACH ROW "
                   f"WHEN (OLD.{column} IS NOT NULL) EXECUTE FUNCTION kansenmonitor_write_once('{column}')")


def downgrade() -> None:
    if _postgresql():
        for table, column in WRITE_ONCE.items():
            op.execute(f"DROP TRIGGER {table}_write_once ON {table}")
            op.execute(f"REVOKE UPDATE ({column}) ON {table} FROM {LOADER}")
        op.execute("DROP FUNCTION kansenmonitor_write_once()")
        op.execute(f"GRANT UPDATE ON {', '.join(EVIDENCE)} TO {LOADER}")
    else:
        op.execute("PRAGMA defer_foreign_keys = ON")
    op.drop_table('pseudonym_key_check')
    op.drop_index('ix_quarantined_row_record', 'quarantined_row')
    op.drop_index('ix_delivery_file_name', 'delivery')
    op.drop_index('uq_delivery_checksum', 'delivery')
    with op.batch_alter_table('delivery') as table:
        table.create_unique_constraint('uq_delivery_checksum', ['coalition', 'sha256'])
        table.drop_constraint('fk_delivery_retry_of', type_='foreignkey')
        for column in ('retry_of', 'retried_at', 'refusal_context', 'refusal_cause'):
            table.drop_column(column)
