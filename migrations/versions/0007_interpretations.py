"""the lokale coalitie's interpretation per goal; which hidden figures only protect another

- `interpretation`: a fact table like the others (delivered in the inbox as the source `duidingen`, or recorded
  with `kansenmonitor duiding`): per period and goal the text, who wrote it and who approved it. Evidence, so
  the loader inserts and supersedes it, never rewrites it (the grants and write-once trigger of 0002 and 0004).
- `indicator_value.protective`: a suppressed cell hidden only so that another hidden cell cannot be worked out;
  the reports say so instead of "te weinig respondenten". Also in the view `indicator_report`, which is
  recreated, so its grants of 0002 are given again.

Revision ID: 0007_interpretations
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa

revision = '0007_interpretations'
down_revision = '0006'
branch_labels = None
depends_on = None

LOADER = "kansenmonitor_loader"
READER = "kansenmonitor_reader"


def _view(extra: str) -> str:
    return f"""
CREATE VIEW indicator_report AS
SELECT coalition, period, indicator, scope, scope_name,
       CASE WHEN suppressed THEN NULL ELSE value END AS value,
       CASE WHEN suppressed THEN NULL ELSE numerator END AS numerator,
       CASE WHEN suppressed THEN NULL ELSE denominator END AS denominator,
       target, status,
       CASE WHEN suppressed THEN NULL ELSE previous_value END AS previous_value,
       suppressed, computed_at, quarantined_rows{extra}
FROM indicator_value
"""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _create_view(extra: str) -> None:
    op.execute(_view(extra))
    if _postgresql():
        op.execute(f"GRANT SELECT ON indicator_report TO {READER}, {LOADER}")


def upgrade() -> None:
    op.create_table(
        'interpretation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('coalition', sa.String(length=100), nullable=False),
        sa.Column('period', sa.String(length=30), nullable=False),
        sa.Column('record_key', sa.String(length=500), nullable=False),
        sa.Column('source_row', sa.Integer(), nullable=False),
        sa.Column('delivery_id', sa.Integer(), nullable=False),
        sa.Column('superseded_by', sa.Integer(), nullable=True),
        sa.Column('goal', sa.String(length=300), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('interpreted_by', sa.String(length=200), nullable=False),
        sa.Column('approved_by', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id']),
        sa.ForeignKeyConstraint(['superseded_by'], ['delivery.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_interpretation_delivery_id', 'interpretation', ['delivery_id'])
    op.create_index('ix_interpretation_current', 'interpretation', ['coalition', 'record_key', 'superseded_by'])
    op.create_index('ix_interpretation_period', 'interpretation', ['coalition', 'period'])
    op.execute("DROP VIEW indicator_report")
    op.add_column('indicator_value', sa.Column('protective', sa.Boolean(), nullable=False,
                                               server_default=sa.false()))
    _create_view(", protective")
    if not _postgresql():
        return
    op.execute(f"GRANT SELECT, INSERT ON interpretation TO {LOADER}")
    op.execute(f"GRANT UPDATE (superseded_by) ON interpretation TO {LOADER}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE interpretation_id_seq TO {LOADER}")
    op.execute("CREATE TRIGGER interpretation_write_once BEFORE UPDATE ON interpretation FOR EACH ROW "
               "WHEN (OLD.superseded_by IS NOT NULL) EXECUTE FUNCTION kansenmonitor_write_once('superseded_by')")


def downgrade() -> None:
    op.execute("DROP VIEW indicator_report")
    with op.batch_alter_table('indicator_value') as table:
        table.drop_column('protective')
    _create_view("")
    op.drop_table('interpretation')
