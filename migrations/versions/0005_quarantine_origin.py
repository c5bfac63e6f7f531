"""the first failure a corrected row goes back to, so every round of corrections names the original file and row

Nullable: a row delivered by a school has no origin; a row of a correction sheet that fails again points
at the failure its `Correctie-ID` names (or that failure's own origin). The grants of 0002 are per table
and cover the new column.

Revision ID: 0005
Revises: 0004_load_safety
"""

from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004_load_safety'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('quarantined_row') as table:
        table.add_column(sa.Column('origin_id', sa.Integer(), nullable=True))
        table.create_index('ix_quarantined_row_origin_id', ['origin_id'])
        table.create_foreign_key('fk_quarantined_row_origin_id', 'quarantined_row', ['origin_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('quarantined_row') as table:
        table.drop_constraint('fk_quarantined_row_origin_id', type_='foreignkey')
        table.drop_index('ix_quarantined_row_origin_id')
        table.drop_column('origin_id')
