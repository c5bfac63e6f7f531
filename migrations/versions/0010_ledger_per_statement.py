"""ledger checked per statement: the fact tables' references to `delivery` checked once per statement (PostgreSQL)

Every fact names the delivery it came from (`delivery_id`) and, once replaced, the delivery that replaced it
(`superseded_by`). As foreign keys PostgreSQL checked both row by row: a look-up and a lock of the ledger row for
each of the millions of rows a COPY writes, which alone held the load to about half the speed of a COPY into the
same table without them (docs/performance.md, "Third pass"). Here they become one check per statement, with the
same guarantee:

- On the fact tables, after every INSERT (a COPY is one) and UPDATE, a trigger takes the distinct deliveries the
  statement's rows name (the transition table), locks their ledger rows as a foreign key does (`FOR KEY SHARE`,
  so that no other transaction deletes them before this one ends) and fails, with the table, column and value,
  when one does not exist (SQLSTATE 23503, `foreign_key_violation`, as the foreign key did).
- On the ledger, the referenced side: deleting a delivery that a fact still names fails, as the foreign key's
  NO ACTION did; so does emptying the ledger (TRUNCATE) while a fact table has rows; a delivery's id is never
  changed. The loader may not delete nor truncate the ledger anyway (the grants of 0002 and 0004): these guard
  the owner.

SQLite (the embedded default) keeps its foreign keys: it checks a reference per row through the primary key
without locks, and the speed that matters is PostgreSQL's.

Revision ID: 0010_ledger_per_statement
Revises: 0009_attendance_per_child
"""

from alembic import op

revision = '0010_ledger_per_statement'
down_revision = '0009_attendance_per_child'
branch_labels = None
depends_on = None

FACTS = ("activity_session", "attendance", "child_response", "parent_response", "staff_feedback", "supervisor",
         "complaint", "pupil_count", "spending", "partner_response", "interpretation")
REFERENCES = ("delivery_id", "superseded_by")

FACT_FUNCTION = """
CREATE FUNCTION kansenmonitor_fact_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delivered integer[];
    superseding integer[];
    referencing text;
    missing integer;
BEGIN
    SELECT array_agg(DISTINCT delivery_id), array_agg(DISTINCT superseded_by) FILTER (WHERE superseded_by IS NOT NULL)
        INTO delivered, superseding FROM added;
    PERFORM FROM delivery WHERE id = ANY (delivered || superseding) FOR KEY SHARE;
    SELECT named.referencing, named.id INTO referencing, missing
        FROM (VALUES ('delivery_id', delivered), ('superseded_by', superseding)) AS referenced (referencing, ids)
        CROSS JOIN LATERAL (SELECT referenced.referencing, unnest(referenced.ids) AS id) AS named
        WHERE NOT EXISTS (SELECT FROM delivery WHERE delivery.id = named.id)
        ORDER BY named.referencing, named.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '%.% = % verwijst naar een levering die niet bestaat', TG_TABLE_NAME, referencing, missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$
"""


def _still_named(removed: str) -> str:
    """The first fact (as `table.column`) and delivery id of `removed` that a fact table still names."""
    return " UNION ALL ".join(
        f"(SELECT '{table}.{column}', {table}.{column} FROM {table} JOIN {removed} ON {table}.{column} = {removed}.id "
        "LIMIT 1)" for table in FACTS for column in REFERENCES)


# plpgsql plans a statement when it first runs it, so only the DELETE branch names the transition table.
LEDGER_FUNCTION = f"""
CREATE FUNCTION kansenmonitor_delivery_named() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    referencing text;
    named integer;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT * INTO referencing, named FROM ({_still_named("removed")}) AS still LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'levering % wordt niet verwijderd: % verwijst ernaar', named, referencing
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    ELSIF TG_OP = 'TRUNCATE' AND ({" OR ".join(f"EXISTS (SELECT FROM {table})" for table in FACTS)}) THEN
        RAISE EXCEPTION 'de leveringen worden niet geleegd: er zijn feiten die ernaar verwijzen'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$
"""

FIXED_ID_FUNCTION = """
CREATE FUNCTION kansenmonitor_delivery_id_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'levering %: delivery.id wordt niet gewijzigd', OLD.id USING ERRCODE = 'foreign_key_violation';
END $$
"""

FACT_TRIGGERS = {
    "insert": "AFTER INSERT ON {table} REFERENCING NEW TABLE AS added FOR EACH STATEMENT",
    "update": "AFTER UPDATE ON {table} REFERENCING NEW TABLE AS added FOR EACH STATEMENT",
}
# After the statement: a TRUNCATE of the ledger together with the fact tables has emptied them by then.
LEDGER_TRIGGERS = {
    "delete": "AFTER DELETE ON delivery REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
              "EXECUTE FUNCTION kansenmonitor_delivery_named()",
    "truncate": "AFTER TRUNCATE ON delivery FOR EACH STATEMENT EXECUTE FUNCTION kansenmonitor_delivery_named()",
    "id": "BEFORE UPDATE OF id ON delivery FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) "
          "EXECUTE FUNCTION kansenmonitor_delivery_id_fixed()",
}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgresql():
        return
    for function in (FACT_FUNCTION, LEDGER_FUNCTION, FIXED_ID_FUNCTION):
        op.execute(function)
    for table in FACTS:
        for column in REFERENCES:
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_{column}_fkey")
        for event, when in FACT_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {table}_delivery_{event} {when.format(table=table)} "
                       "EXECUTE FUNCTION kansenmonitor_fact_delivery()")
    for event, when in LEDGER_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER delivery_named_{event} {when}")


def downgrade() -> None:
    if not _postgresql():
        return
    for event in LEDGER_TRIGGERS:
        op.execute(f"DROP TRIGGER delivery_named_{event} ON delivery")
    for table in FACTS:
        for event in FACT_TRIGGERS:
            op.execute(f"DROP TRIGGER {table}_delivery_{event} ON {table}")
        for column in REFERENCES:
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_fkey "
                       f"FOREIGN KEY ({column}) REFERENCES delivery (id)")
    for function in ("kansenmonitor_fact_delivery", "kansenmonitor_delivery_named", "kansenmonitor_delivery_id_fixed"):
        op.execute(f"DROP FUNCTION {function}()")
