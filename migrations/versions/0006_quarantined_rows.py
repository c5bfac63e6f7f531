"""the quarantine caveat per indicator: rows in quarantine that would enter it once corrected

`indicator_value.quarantined_rows`, also in the view `indicator_report`: the caveat is no disclosure (a count of
rows per indicator, the same for every scope), and the reports read it there. The view is recreated, so its
grants of 0002 are given again.

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
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
       suppressed, computed_at{extra}
FROM indicator_value
"""


def _create_view(extra: str) -> None:
    op.execute(_view(extra))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"GRANT SELECT ON indicator_report TO {READER}, {LOADER}")


def upgrade() -> None:
    op.execute("DROP VIEW indicator_report")
    op.add_column('indicator_value', sa.Column('quarantined_rows', sa.Integer(), nullable=False,
                                               server_default='0'))
    _create_view(", quarantined_rows")


def downgrade() -> None:
    op.execute("DROP VIEW indicator_report")
    with op.batch_alter_table('indicator_value') as table:
        table.drop_column('quarantined_rows')
    _create_view("")
