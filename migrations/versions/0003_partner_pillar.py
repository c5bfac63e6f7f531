"""the pillar a partner's action serves (NPO), for pillar coverage per wijk

Optional in the delivery, so the column is nullable and earlier rows stay as they were. The grants of
0002 are per table and cover the new column.

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('partner_response') as table:
        table.add_column(sa.Column('pillar', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('partner_response') as table:
        table.drop_column('pillar')
