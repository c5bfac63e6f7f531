"""fact tables analysed on a sample of 6,000 rows instead of 30,000; the text key not at all

PostgreSQL's ANALYZE reads 300 rows per unit of the largest statistics target among the columns it analyses
(default 100: 30,000 rows) and sorts each column's sample. The ingest analyses the fact tables as they grow, so on
a growing database that was the load's largest cost after the COPY itself: with the target 20 the load stage took
a quarter less CPU (ANALYZE 2.5 x less), while all indicators of 500 coalitions were planned alike and took the
same time (docs/performance.md, "Seventh pass"). The record key is looked up only through its digest: target 0,
so no ANALYZE measures the long, nearly all distinct texts. SQLite keeps no such statistics and is untouched.

Revision ID: 0014_statistics_sample
Revises: 0013_per_child_hashed
"""

import sqlalchemy as sa
from alembic import op

revision = '0014_statistics_sample'
down_revision = '0013_per_child_hashed'
branch_labels = None
depends_on = None

TABLES = ("activity_session", "attendance", "child_response", "parent_response", "staff_feedback", "supervisor",
          "complaint", "pupil_count", "spending", "partner_response", "interpretation",
          "attendance_per_child", "session_number", "child_number")
TARGET = 20
UNMEASURED = {"record_key": 0}


def _set_targets(target_of) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    inspector = sa.inspect(op.get_bind())
    for table in TABLES:
        columns = [c["name"] for c in inspector.get_columns(table)]
        op.execute(f"ALTER TABLE {table} " + ", ".join(
            f'ALTER COLUMN "{column}" SET STATISTICS {target_of(column)}' for column in columns))


def upgrade() -> None:
    _set_targets(lambda column: UNMEASURED.get(column, TARGET))


def downgrade() -> None:
    _set_targets(lambda column: -1)
