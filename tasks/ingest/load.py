"""Loading validated deliveries: a file's facts, quarantine and ledger row together or not at all.

The files of a batch share one transaction (`Batch`), so the per-file costs of a commit and of re-reading what
the batch already knows are paid once; the caller falls back to a transaction per file when any of them fails.
Keys are passed as one parameter (an array on PostgreSQL, a JSON list on SQLite), never spelled out in the SQL,
so a statement is the same whatever the file's size.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Table,
    any_,
    bindparam,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kansenmonitor.config import Config
from kansenmonitor.db import (
    DERIVED_TABLES,
    FACT_TABLES,
    ActivitySession,
    ChildNumber,
    Delivery,
    QuarantinedRow,
    QuarantineReason,
    SessionNumber,
    key_hashes,
)
from tasks.ingest.copy_load import copy_rows
from tasks.ingest.limits import check_database_limits
from tasks.ingest.validate import Validated

CHUNK = 500


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _python(values: pd.Series, as_date: bool = False) -> list:
    """A column as database-ready Python values, column at a time: None for every kind of missing,
    Timestamps as datetime (or date), numpy and pandas scalars as plain Python."""
    if pd.api.types.is_datetime64_any_dtype(values):
        values = pd.Series(values.dt.date if as_date else values.dt.to_pydatetime(), index=values.index)
    out = values.tolist()
    for position in np.flatnonzero(values.isna().to_numpy()):
        out[position] = None
    return out


@dataclass
class _Pending:
    """A checked file whose ledger row, supersedes and facts are written with the others of its batch."""

    validated: Validated
    ledger: dict
    keys: list[str]
    delivery: Delivery | None = None


@dataclass
class Batch:
    """What the files loaded in one transaction share: which sources have open failures (only those need
    resolving), which of the files' names were loaded before (only those have a version to replace), the current
    planning, and the files checked but not yet written."""

    open_failures: set[str]
    loaded_names: set[str]
    planned: set[str] | None = None
    pending: list[_Pending] = field(default_factory=list)

    @classmethod
    def start(cls, conn: Connection, config: Config, file_names: list[str]) -> Batch:
        open_failures = conn.execute(select(QuarantinedRow.source).distinct().where(
            QuarantinedRow.coalition == config.slug, QuarantinedRow.resolved_by.is_(None))).scalars()
        loaded = conn.execute(select(Delivery.file_name).distinct().where(
            Delivery.coalition == config.slug, Delivery.status == "loaded",
            _among(conn, Delivery.file_name, sorted(set(file_names))))).scalars()
        return cls(set(open_failures), set(loaded))

    def planned_sessions(self, conn: Connection, config: Config) -> set[str]:
        if self.planned is None:
            _write(conn, config, self)  # a planning file of this batch first
            self.planned = set(conn.execute(select(ActivitySession.record_key).where(
                ActivitySession.coalition == config.slug, ActivitySession.superseded_by.is_(None))).scalars())
        return self.planned


def session_key(attendance_key: str) -> str:
    """The session an attendance record is of, keyed as the planning's record of it is: its record key without its
    last two parts (school and child). Record keys normalise their parts (`natural_key`: case, spaces and diacritics
    aside, the village by its configured name), so `voetbal` at `2e Exloermond` is the planning's `Voetbal` at
    `Tweede Exloërmond`. The reference check accepts attendance by it and the session numbers follow it."""
    return attendance_key.rsplit("|", 2)[0]


def check_session_references(conn: Connection, config: Config, validated: Validated, batch: Batch) -> None:
    """Attendance must refer to a session in the current planning; otherwise the row fails."""
    if validated.source.name != "aanwezigheid" or validated.valid.empty:
        return
    planned = batch.planned_sessions(conn, config)
    valid = validated.valid
    missing = pd.Series([session_key(key) not in planned for key in valid["_key"].tolist()], index=valid.index)
    if not missing.any():
        return
    mapping = config.sources.get(validated.source.name)
    headers = ", ".join(validated.source.header_of(name, mapping.columns if mapping else {})
                        for name in ("session_date", "title", "area"))
    for index, row in valid[missing].iterrows():
        validated.fail(
            index, headers,
            f"{row['session_date']:%d-%m-%Y} {row['title']} {row['area']}",
            "deze sessie staat niet in de activiteitenplanning; lever eerst de planning aan of corrigeer "
            "datum, activiteit of dorp",
        )
    validated.valid = valid[~missing]


def _fact_columns(config: Config, source: str, files: list[Validated], deliveries: list[int]) -> dict[str, list]:
    """The fact table's columns for the valid rows of `files` end to end (of the deliveries `deliveries`, row by
    row), as equally long lists of Python values; `superseded_by` empty. Files validated together have their
    valid rows taken from their batch's frame at once: per file, pandas costs more than converting the rows."""
    table = FACT_TABLES[source].__table__
    batch = files[0].batch
    if batch is not None and all(v.batch is batch for v in files):
        frame = batch.take(np.concatenate([v.offset + v.valid.index.to_numpy() for v in files]))
    else:
        frame = pd.concat([v.valid for v in files], ignore_index=True)
    names = [c.name for c in table.columns]
    if "area" in names and "area" not in frame and "school" in frame:
        frame = frame.assign(area=frame["school"].map(config.area_of_school))
    columns = {n: _python(frame[n], isinstance(table.columns[n].type, Date)) for n in names if n in frame.columns}
    keys = _python(frame["_key"])
    return columns | {"coalition": [config.slug] * len(frame), "record_key": keys,
                      "key_hash": key_hashes(keys),
                      "source_row": _python(frame["_row"]), "period": _python(frame["_period"]),
                      "delivery_id": deliveries, "superseded_by": [None] * len(frame)}


def _insert_facts(conn: Connection, table: Table, columns: dict[str, list]) -> None:
    """PostgreSQL takes the rows by COPY; SQLite (the demo) by batched INSERTs."""
    rows = zip(*columns.values())
    if conn.dialect.name == "postgresql":
        copy_rows(conn, table, list(columns), rows)
        return
    for chunk in _chunks([dict(zip(columns, row)) for row in rows], 5000):
        conn.execute(insert(table), chunk)


def _among(conn: Connection, column, values: list) -> ColumnElement[bool]:
    """`column IN values`, the values bound as one parameter: a statement the same for 3 keys and for 3,000."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    # dates as SQLite stores them (ISO)
    return column.in_(select(literal_column("value")).select_from(func.json_each(bindparam(
        None, json.dumps(values, default=str)))))


def _keyed(conn: Connection, model, keys: list[str]) -> ColumnElement[bool]:
    """Rows of a fact table with one of `keys`: found by the digest in the index, then compared whole."""
    return _among(conn, model.key_hash, key_hashes(keys)) & _among(conn, model.record_key, keys)


def _earlier_versions(config: Config, delivery: Delivery):
    """Earlier loaded deliveries of a file under the same name: the versions this one corrects."""
    return select(Delivery.id).where(Delivery.coalition == config.slug, Delivery.file_name == delivery.file_name,
                                     Delivery.id < delivery.id, Delivery.status == "loaded")


def _supersede(conn: Connection, config: Config, validated: Validated, delivery: Delivery, keys: list[str],
               replaces_version: bool) -> None:
    """A register replaces all; a corrected file under the same name replaces its earlier version whole (rows
    gone or changed stop counting; `replaces_version` when one was loaded); any file replaces the records it
    carries again. A correction sheet carries only the rows it fixes, so it replaces those and nothing more."""
    model = FACT_TABLES[validated.source.name]
    current = (model.coalition == config.slug) & model.superseded_by.is_(None)
    replace = update(model).values(superseded_by=delivery.id)
    if validated.source.register:
        conn.execute(replace.where(current))
        return
    if not validated.correction_refs and replaces_version:
        conn.execute(replace.where(current, model.delivery_id.in_(_earlier_versions(config, delivery))))
    if keys:
        conn.execute(replace.where(current, _keyed(conn, model, keys)))


def _resolve_quarantine(conn: Connection, config: Config, validated: Validated, delivery: Delivery,
                        keys: list[str]) -> None:
    """Earlier failures end when this delivery carries their record again: corrected, or a new version."""
    open_rows = (QuarantinedRow.coalition == config.slug) & (QuarantinedRow.source == validated.source.name) \
        & QuarantinedRow.resolved_by.is_(None) & (QuarantinedRow.delivery_id != delivery.id)
    resolve = update(QuarantinedRow).values(resolved_by=delivery.id)
    conn.execute(resolve.where(open_rows, QuarantinedRow.delivery_id.in_(_earlier_versions(config, delivery))))
    if keys:
        conn.execute(resolve.where(open_rows, _among(conn, QuarantinedRow.record_key, keys)))
    for refs in _chunks(sorted(set(validated.correction_refs.values()))):
        conn.execute(resolve.where(open_rows, QuarantinedRow.id.in_(refs) | QuarantinedRow.origin_id.in_(refs)))


def _origins(conn: Connection, config: Config, validated: Validated) -> dict[int, int]:
    """Per failed row of a correction sheet, the first failure of its record: the `Correctie-ID` it names, or
    that failure's own origin; a reference to no failure of this coalition is ignored."""
    refs = sorted({validated.correction_refs[i] for i in validated.failed if i in validated.correction_refs})
    found: dict[int, int] = {}
    for chunk in _chunks(refs):
        found |= {row_id: origin or row_id for row_id, origin in conn.execute(
            select(QuarantinedRow.id, QuarantinedRow.origin_id).where(
                QuarantinedRow.coalition == config.slug, QuarantinedRow.id.in_(chunk)))}
    return {i: found[ref] for i, ref in validated.correction_refs.items() if ref in found and i in validated.failed}


def _resolve_repeated_failures(conn: Connection, config: Config, validated: Validated, delivery: Delivery) -> None:
    """A failure is one failure however many deliveries repeat it: an open failure of the same record, delivered
    the same, gives way to this delivery's (which the steward then sees once, and corrects once). Rows that
    look alike (a blanked pupil number) are matched one to one, so no other row's failure disappears."""
    delivered: dict[str, list[dict]] = {}
    for index in validated.failed:
        if validated.keys.get(index):
            delivered.setdefault(validated.keys[index], []).append(validated.raw[index])
    if not delivered:
        return
    earlier = conn.execute(select(QuarantinedRow.id, QuarantinedRow.record_key, QuarantinedRow.raw).where(
        QuarantinedRow.coalition == config.slug, QuarantinedRow.source == validated.source.name,
        QuarantinedRow.resolved_by.is_(None), QuarantinedRow.delivery_id != delivery.id,
        _among(conn, QuarantinedRow.record_key, sorted(delivered)))).all()
    repeated = []
    for row_id, key, raw in sorted(earlier):
        row = json.loads(raw)
        if row in delivered[key]:  # each row of this delivery stands in for one earlier failure, not for all
            delivered[key].remove(row)
            repeated.append(row_id)
    for ids in _chunks(repeated):
        conn.execute(update(QuarantinedRow).where(QuarantinedRow.id.in_(ids)).values(resolved_by=delivery.id))


def _quarantine(conn: Connection, config: Config, validated: Validated, delivery_id: int) -> None:
    indices = sorted(validated.failed)
    outside = validated.outside_contract
    origins = _origins(conn, config, validated)
    for chunk in _chunks(indices):
        ids = conn.execute(
            insert(QuarantinedRow).returning(QuarantinedRow.id, sort_by_parameter_order=True),
            [dict(delivery_id=delivery_id, coalition=config.slug, source=validated.source.name,
                  row_number=validated.row_numbers[i], raw=validated.raw_json(i),
                  period=validated.periods.get(i), record_key=validated.keys.get(i), origin_id=origins.get(i))
             for i in chunk],
        ).scalars().all()
        reasons = [dict(quarantined_row_id=row_id, column_name=f.column, value=f.value, reason=f.reason)
                   for row_id, i in zip(ids, chunk) for f in validated.failed[i]]
        if outside:
            reasons += [dict(quarantined_row_id=row_id, column_name=None, value=None,
                             reason=f"kolommen buiten de aanleverspecificatie zijn niet bewaard: {', '.join(outside)}")
                        for row_id in ids]
        conn.execute(insert(QuarantineReason), reasons)


class ReconciliationError(RuntimeError):
    """A file's rows read are not its rows loaded plus its rows quarantined: a fault in the code, not in the file.
    Raised, not asserted, so `python -O` keeps the check; the steward reads the message in the ledger."""


def _reconciled(validated: Validated) -> dict[str, int]:
    """The ledger's counts of a validated file, once they add up: every row read is loaded or quarantined, once."""
    counts = dict(rows_read=validated.rows_read, rows_loaded=len(validated.valid),
                  rows_quarantined=len(validated.failed))
    if counts["rows_read"] != counts["rows_loaded"] + counts["rows_quarantined"]:
        raise ReconciliationError(
            f"de telling klopt niet: {counts['rows_read']} rijen gelezen, maar {counts['rows_loaded']} geladen en "
            f"{counts['rows_quarantined']} in quarantaine")
    return counts


def load_many(conn: Connection, config: Config, deliveries: Sequence[tuple[Validated, dict]]) -> list[Delivery]:
    """Check each file, then write the ledger rows (`ledger`, with the reconciled counts), the facts and the
    quarantine, in order: a later file supersedes what an earlier one delivered. The caller's transaction makes it
    atomic; the files are written together (one ledger insert, one COPY per source), so a failure cannot be told
    apart by file here. Nothing already written is rewritten but `superseded_by` and `resolved_by` (0004)."""
    batch = Batch.start(conn, config, [ledger["file_name"] for _, ledger in deliveries])
    checked = []
    for validated, ledger in deliveries:
        check_session_references(conn, config, validated, batch)
        check_database_limits(config, validated)
        counts = _reconciled(validated)
        keys = validated.valid["_key"].unique().tolist() if not validated.valid.empty else []
        checked.append(_Pending(validated, ledger | counts, keys))
        batch.pending.append(checked[-1])
        if validated.source.name == "activiteiten":
            batch.planned = None
    _write(conn, config, batch)
    return [p.delivery for p in checked]


def load(conn: Connection, config: Config, validated: Validated, ledger: dict) -> Delivery:
    """One file: `load_many` of one."""
    return load_many(conn, config, [(validated, ledger)])[0]


def _write(conn: Connection, config: Config, batch: Batch) -> None:
    """The batch's checked files into the database: ledger rows, the supersedes of stored rows, the facts (a
    file's rows already marked superseded when a later file of the batch replaces them), quarantine."""
    pending, batch.pending = batch.pending, []
    if not pending:
        return
    ids = conn.execute(insert(Delivery).returning(Delivery.id, sort_by_parameter_order=True),
                       [p.ledger for p in pending]).scalars().all()
    for p, delivery_id in zip(pending, ids):
        p.delivery = Delivery(id=delivery_id, file_name=p.ledger["file_name"], coalition=config.slug,
                              **{c: p.ledger[c] for c in ("rows_read", "rows_loaded", "rows_quarantined")})
    for source in dict.fromkeys(p.validated.source.name for p in pending):
        files = [p for p in pending if p.validated.source.name == source]
        facts = _facts_superseded_within(config, files)
        _supersede_stored(conn, config, files, batch.loaded_names, facts)
        add_numbers(conn, config.slug, FACT_TABLES[source].__table__, facts)
        _insert_facts(conn, FACT_TABLES[source].__table__, facts)
    for p in pending:
        batch.loaded_names.add(p.delivery.file_name)
        _quarantine(conn, config, p.validated, p.delivery.id)
        if p.validated.source.name in batch.open_failures:  # else there is nothing this file could resolve
            _resolve_quarantine(conn, config, p.validated, p.delivery, p.keys)
            _resolve_repeated_failures(conn, config, p.validated, p.delivery)
        if p.validated.failed:
            batch.open_failures.add(p.validated.source.name)


def _supersede_stored(conn: Connection, config: Config, files: list[_Pending], loaded_names: set[str],
                      facts: dict[str, list]) -> None:
    """Rows stored before these files (of one source) superseded by the first of them that replaces them: on
    PostgreSQL, when only keys replace, the stored rows sharing a digest (the batch's `facts` carry each key's)
    with the files' keys looked up in one statement and, should any carry one of the keys, superseded in one more;
    else file by file in order. Only digests travel: the keys themselves would cost far more to send than to
    compare here."""
    by_key_only = not any(p.validated.source.register or p.delivery.file_name in loaded_names for p in files)
    if conn.dialect.name == "postgresql" and by_key_only and len(files) > 1:
        first: dict[str, int] = {}  # key -> the first file carrying it
        for p in reversed(files):
            first.update(dict.fromkeys(p.keys, p.delivery.id))
        if not first:
            return
        model = FACT_TABLES[files[0].validated.source.name]
        hashes = dict(zip(facts["record_key"], facts["key_hash"]))
        digests = select(func.unnest(bindparam(None, sorted({hashes[key] for key in first}),
                                               type_=ARRAY(model.key_hash.type))).label("hash")).subquery()
        stored = conn.execute(select(model.id, model.record_key).join(digests, model.key_hash == digests.c.hash).where(
            model.coalition == config.slug, model.superseded_by.is_(None))).all()
        replaced = {row_id: first[key] for row_id, key in stored if key in first}
        if replaced:
            by = select(func.unnest(bindparam(None, list(replaced), type_=ARRAY(model.id.type))).label("id"),
                        func.unnest(bindparam(None, list(replaced.values()), type_=ARRAY(model.superseded_by.type)))
                        .label("delivery")).subquery()
            conn.execute(update(model).values(superseded_by=by.c.delivery).where(
                model.id == by.c.id, model.superseded_by.is_(None)))
        return
    for p in files:
        _supersede(conn, config, p.validated, p.delivery, p.keys, p.delivery.file_name in loaded_names)


def add_numbers(conn: Connection, coalition: str, table: Table, facts: dict[str, list]) -> None:
    """To the fact columns of `table`'s rows (`facts`), the numbers of their sessions (planning and attendance) and
    children (attendance), numbered within the coalition (`SessionNumber`, `ChildNumber`): a session by its key (the
    planning's record key, `session_key` of attendance's), so a registration the reference check accepted has its
    session's number however it spells it; a child by its pseudonym. The marts join and count on them."""
    if "session_number" in table.columns:
        keys = facts["record_key"]
        sessions = [session_key(key) for key in keys] if "pupil" in table.columns else keys
        facts["session_number"] = _numbers(conn, coalition, SessionNumber, [sessions])
    if "child_number" in table.columns:
        facts["child_number"] = _numbers(conn, coalition, ChildNumber, [facts["pupil"]])


def _numbers(conn: Connection, coalition: str, model, columns: list[list]) -> list[int]:
    """Per row the number of its values of `columns` (the model's columns after the coalition), those not numbered
    yet numbered first (in sorted order, so two loads of a coalition wait for each other rather than deadlock)."""
    names = [c.name for c in model.__table__.columns][2:]
    rows = list(zip(*columns))
    if not rows:
        return []
    numbers = _numbered(conn, coalition, model, names, rows)
    new = sorted(set(rows) - numbers.keys())
    if not new:
        return [numbers[row] for row in rows]
    if conn.dialect.name == "postgresql":  # one statement, the values as arrays (a row each would be one each)
        columns = [model.__table__.columns[name] for name in names]
        given = [func.unnest(bindparam(None, list(values), type_=ARRAY(column.type)))
                 for column, values in zip(columns, zip(*new))]
        numbers |= {tuple(row[1:]): row[0] for row in conn.execute(
            pg_insert(model).from_select(["coalition", *names], select(
                literal(coalition, type_=model.coalition.type), *given)).on_conflict_do_nothing()
            .returning(model.number, *columns))}
    else:
        conn.execute(sqlite_insert(model).on_conflict_do_nothing(),
                     [dict(zip(names, row), coalition=coalition) for row in new])
    unseen = [row for row in new if row not in numbers]  # SQLite's; PostgreSQL's numbered by a load at the same time
    if unseen:
        numbers |= _numbered(conn, coalition, model, names, unseen)
    return [numbers[row] for row in rows]


def _numbered(conn: Connection, coalition: str, model, names: list[str], rows: list[tuple]) -> dict[tuple, int]:
    """The numbers `model` has for `rows` (values of `names`), found by the first of them, the rest compared here."""
    wanted = set(rows)
    first = model.__table__.columns[names[0]]
    found = conn.execute(select(model.number, *(model.__table__.columns[n] for n in names)).where(
        model.coalition == coalition, _among(conn, first, sorted({row[0] for row in wanted})))).all()
    return {tuple(row[1:]): row[0] for row in found if tuple(row[1:]) in wanted}


def _facts_superseded_within(config: Config, files: list[_Pending]) -> dict[str, list]:
    """The files' fact columns end to end, `superseded_by` set where a later file of the batch replaces a row (as
    `_supersede` would have, had the row been stored first): the first later file that carries its key again, or
    that replaces it whole (a register, or a new version under the same name)."""
    frames = [p.validated.valid for p in files]
    columns = _fact_columns(config, files[0].validated.source.name, [p.validated for p in files],
                            np.repeat([p.delivery.id for p in files], [len(frame) for frame in frames]).tolist())
    keys, superseded = columns["record_key"], columns["superseded_by"]
    ends = list(accumulate(len(frame) for frame in frames))
    carried_after: dict[str, int] = {}  # key -> the first later file carrying it, filled from the last file back
    for position in reversed(range(len(files))):
        earlier = files[position]
        whole = next((later.delivery.id for later in files[position + 1:] if later.validated.source.register or (
            not later.validated.correction_refs and later.delivery.file_name == earlier.delivery.file_name)), None)
        if whole is not None or not carried_after.keys().isdisjoint(earlier.keys):  # else none of it is replaced
            for row in range(ends[position] - len(earlier.validated.valid), ends[position]):
                by = carried_after.get(keys[row])
                superseded[row] = whole if by is None or (whole is not None and whole < by) else by
        carried_after.update(dict.fromkeys(earlier.keys, earlier.delivery.id))
    return columns


def analyze_grown(conn: Connection, sources: Iterable[str], growth: float) -> list[str]:
    """ANALYZE the fact tables of `sources`, and the tables derived from them as they load (`DERIVED_TABLES`), that
    grew by more than `growth` (0.2: a fifth) since PostgreSQL last gathered their statistics, or never had any;
    returns their names. Autovacuum would get there too, but later: the next batch's lookups and the period's
    indicators would be planned for the table as it was. Growth is measured in pages against those of the last
    ANALYZE or VACUUM, as the planner itself scales its estimates. How much it reads is the tables' own setting
    (migration 0014: a sample of 6,000 rows, the text key not measured). SQLite plans by its own rules without
    statistics and is left alone. A table another session is analysing (two workers loading
    coalitions at once) is skipped, not waited for: its statistics are on their way, and a second ANALYZE of the
    same rows would only repeat them."""
    if conn.dialect.name != "postgresql":
        return []
    sources = set(sources)
    models = [FACT_TABLES[s] for s in sources] + [m for s in sources for m in DERIVED_TABLES.get(s, ())]
    names = sorted({m.__table__.name for m in models})
    grown = conn.execute(text(
        "SELECT relname FROM pg_class WHERE oid = ANY(CAST(:names AS regclass[])) AND (reltuples < 0 OR "
        "pg_relation_size(oid) / current_setting('block_size')::int > relpages * (1 + :growth)) ORDER BY relname"),
        {"names": names, "growth": growth}).scalars().all()
    quote = conn.dialect.identifier_preparer.quote
    for name in grown:
        conn.execute(text(f"ANALYZE (SKIP_LOCKED) {quote(name)}"))
    return grown
