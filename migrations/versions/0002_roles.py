"""database roles: a loader for the pipeline, a reader for the reports; the reports' view

The view `indicator_report` exists on SQLite and PostgreSQL alike, so reports read one thing
everywhere; the roles and grants are PostgreSQL only. The two roles are NOLOGIN group roles: a
deployment creates its own login users and makes them members (see docs/security.md). Roles are
cluster-wide, so they are created only when missing; the grants are per database, so every database
migrated here gets them. The tables stay owned by the user that ran the migrations: an application
role that owned a table could drop or alter it. A later migration that adds a table grants on it.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

LOADER = "kansenmonitor_loader"
READER = "kansenmonitor_reader"

# The evidence: facts, ledger and quarantine are written and superseded, never deleted.
EVIDENCE = ("delivery", "quarantined_row", "quarantine_reason", "activity_session", "attendance",
            "child_response", "parent_response", "staff_feedback", "supervisor", "complaint", "pupil_count",
            "spending", "partner_response")
# What closing a period derives from the evidence; recomputing may replace it.
DERIVED = ("indicator_value", "quality_result", "period_release", "report_dispatch")

REPORT_VIEW = f"""
CREATE VIEW indicator_report AS
SELECT coalition, period, indicator, scope, scope_name,
       CASE WHEN suppressed THEN NULL ELSE value END AS value,
       CASE WHEN suppressed THEN NULL ELSE numerator END AS numerator,
       CASE WHEN suppressed THEN NULL ELSE denominator END AS denominator,
       target, status,
       CASE WHEN suppressed THEN NULL ELSE previous_value END AS previous_value,
       suppressed, computed_at
FROM indicator_value
"""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _create_role(name: str) -> None:
    op.execute(f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN
                CREATE ROLE {name} NOLOGIN;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database's migration created it at the same moment
        END $$
    """)


def _sequences(tables: tuple[str, ...]) -> str:
    return ", ".join(f"{t}_id_seq" for t in tables)


def upgrade() -> None:
    op.execute(REPORT_VIEW)
    if not _postgresql():
        return
    _create_role(LOADER)
    _create_role(READER)
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON {', '.join(EVIDENCE)} TO {LOADER}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(DERIVED)} TO {LOADER}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {_sequences(EVIDENCE + DERIVED)} TO {LOADER}")
    op.execute(f"GRANT SELECT ON alembic_version TO {LOADER}")
    op.execute(f"GRANT SELECT ON indicator_report TO {READER}, {LOADER}")


def downgrade() -> None:
    if _postgresql():
        op.execute(f"REVOKE ALL ON alembic_version FROM {LOADER}")
        op.execute(f"REVOKE ALL ON SEQUENCE {_sequences(EVIDENCE + DERIVED)} FROM {LOADER}")
        op.execute(f"REVOKE ALL ON {', '.join(EVIDENCE + DERIVED)} FROM {LOADER}, {READER}")
    op.execute("DROP VIEW indicator_report")
