"""The database: one schema, the same on SQLite (demo) and PostgreSQL (production).

Fact tables hold one row per delivered record. A record is current while `superseded_by` is
empty; a later delivery with the same natural key (`record_key`) supersedes it, so history is kept
and nothing is counted twice. The key is looked up by its 8-byte digest (`key_hash`): an index on the
text key (often 140 characters) grows as large as the table itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    make_url,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from kansenmonitor.settings import settings

DEFAULT_DATABASE_URL = "sqlite:///var/kansenmonitor.db"


class Base(DeclarativeBase):
    pass


class Delivery(Base):
    """The ledger: one row per attempt at a file, identified by its checksum within a coalition.

    A file has one live row (the unique index covers the rows not retried), so it is loaded at most once and two
    workers refusing it at the same moment record it once. A refusal whose cause lies
    outside the file (`refusal_cause` size, configuration or load) records that cause's state in
    `refusal_context`; when it changes the file is tried again as a new row (`retry_of`), and the refused
    row gets `retried_at`.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        Index("uq_delivery_checksum", "coalition", "sha256", unique=True,
              postgresql_where=text("retried_at IS NULL"), sqlite_where=text("retried_at IS NULL")),
        Index("ix_delivery_file_name", "coalition", "file_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coalition: Mapped[str] = mapped_column(String(100), index=True)
    source: Mapped[str | None] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(String(500))
    sheet: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20))  # loaded | rejected | failed (the load itself failed)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    refusal_cause: Mapped[str | None] = mapped_column(String(20))  # file | size | configuration | load
    refusal_context: Mapped[str | None] = mapped_column(String(64))
    retried_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    retry_of: Mapped[int | None] = mapped_column(ForeignKey("delivery.id"))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    rows_quarantined: Mapped[int] = mapped_column(Integer, default=0)


class QuarantinedRow(Base):
    """A delivered row that failed validation: its contract columns as delivered (`raw`, JSON), pupil
    numbers as pseudonym tokens; columns outside the contract are named in a reason, never kept.

    A row from a correction sheet that fails again keeps pointing at the first failure of its record
    (`origin_id`): the school's own file and row, and the `Correctie-ID` the steward keeps using."""

    __tablename__ = "quarantined_row"
    __table_args__ = (Index("ix_quarantined_row_record", "coalition", "source", "record_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"), index=True)
    coalition: Mapped[str] = mapped_column(String(100), index=True)
    source: Mapped[str] = mapped_column(String(40))
    row_number: Mapped[int] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(Text)
    period: Mapped[str | None] = mapped_column(String(30))
    record_key: Mapped[str | None] = mapped_column(String(500))
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("delivery.id"))
    origin_id: Mapped[int | None] = mapped_column(ForeignKey("quarantined_row.id"), index=True)


class QuarantineReason(Base):
    __tablename__ = "quarantine_reason"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarantined_row_id: Mapped[int] = mapped_column(ForeignKey("quarantined_row.id"), index=True)
    column_name: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


def key_hash(record_key: str) -> int:
    """The first 8 bytes of the key's SHA-256 as a signed 64-bit integer (PostgreSQL's bigint, SQLite's integer).
    Only an index entry: lookups compare the text key too, so two keys with the same digest stay apart. Migration
    0007 computes the same in SQL."""
    return int.from_bytes(hashlib.sha256(record_key.encode()).digest()[:8], "big", signed=True)


def key_hashes(record_keys: list[str]) -> list[int]:
    """`key_hash` of every key, in one loop (a batch holds thousands)."""
    sha256, from_bytes = hashlib.sha256, int.from_bytes
    return [from_bytes(sha256(k.encode()).digest()[:8], "big", signed=True) for k in record_keys]


def _key_hash_default(context) -> int:
    return key_hash(context.get_current_parameters()["record_key"])


class Record:
    """Columns every fact table shares: where the row came from and whether it still counts.

    `delivery_id` and `superseded_by` name ledger rows. SQLite checks them as foreign keys; PostgreSQL once per
    statement (triggers of migration 0010), as row by row they held a COPY to half its speed, and its ledger refuses
    to lose a delivery a fact names. The `ForeignKey`s here describe the reference either way."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coalition: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(30))
    record_key: Mapped[str] = mapped_column(String(500))
    key_hash: Mapped[int] = mapped_column(BigInteger, default=_key_hash_default)
    source_row: Mapped[int] = mapped_column(Integer)

    @declared_attr
    def delivery_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("delivery.id"), index=True)

    @declared_attr
    def superseded_by(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("delivery.id"), nullable=True)

    @declared_attr
    def __table_args__(cls):
        return (
            # The current rows by key, for superseding: a partial index of 8-byte digests, not of the text keys
            # of every version ever delivered.
            Index(f"ix_{cls.__tablename__}_current", "coalition", "key_hash",
                  postgresql_where=text("superseded_by IS NULL"), sqlite_where=text("superseded_by IS NULL")),
            Index(f"ix_{cls.__tablename__}_period", "coalition", "period"),
        )


class SessionNumber(Base):
    """A number per session of a coalition, by the key its planning's record has (`session_key`: the date, the title
    and the village as the record keys normalise them, so case, spaces and diacritics aside and the village by its
    configured name): the key the load's reference check matches attendance on. The load gives planning and
    attendance rows their session's number, so the marts join a registration to its session on one integer
    (migration 0011), and a registration the check accepts counts for its session however it spells it (0012).
    A session is numbered once and keeps its number."""

    __tablename__ = "session_number"
    __table_args__ = (UniqueConstraint("coalition", "session_key", name="uq_session_number"),)

    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    coalition: Mapped[str] = mapped_column(String(100))
    session_key: Mapped[str] = mapped_column(String(500))


class ChildNumber(Base):
    """A number per child (pseudonym) of a coalition, given to its attendance rows as they are loaded: the marts
    count distinct children on an integer instead of a 64-character pseudonym (migration 0011)."""

    __tablename__ = "child_number"
    __table_args__ = (UniqueConstraint("coalition", "pupil", name="uq_child_number"),)

    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    coalition: Mapped[str] = mapped_column(String(100))
    pupil: Mapped[str] = mapped_column(String(64))


class ActivitySession(Record, Base):
    __tablename__ = "activity_session"

    session_date: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    area: Mapped[str] = mapped_column(String(200))
    session_number: Mapped[int] = mapped_column(Integer)  # SessionNumber, given by the load
    target_group: Mapped[str] = mapped_column(String(10))
    theme_1: Mapped[str] = mapped_column(String(200))
    theme_2: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    supervisors: Mapped[int] = mapped_column(Integer)


class Attendance(Record, Base):
    __tablename__ = "attendance"

    session_date: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    area: Mapped[str] = mapped_column(String(200))
    school: Mapped[str] = mapped_column(String(200))
    school_group: Mapped[int] = mapped_column(Integer)
    pupil: Mapped[str] = mapped_column(String(64))  # HMAC pseudonym, never the school's number
    present: Mapped[bool] = mapped_column(Boolean)
    session_number: Mapped[int] = mapped_column(Integer)  # SessionNumber and ChildNumber, given by the load
    child_number: Mapped[int] = mapped_column(Integer)


class AttendancePerChild(Base):
    """Derived from `attendance` by the database itself (the triggers of migration 0009), whoever writes it: per
    period, child, school, village and group, how many current rows registered the child and how many had it
    present. The marts that count children or registrations read it instead of every row of the period."""

    __tablename__ = "attendance_per_child"

    coalition: Mapped[str] = mapped_column(String(100), primary_key=True)
    period: Mapped[str] = mapped_column(String(30), primary_key=True)
    area: Mapped[str] = mapped_column(String(200), primary_key=True)
    school: Mapped[str] = mapped_column(String(200), primary_key=True)
    school_group: Mapped[int] = mapped_column(Integer, primary_key=True)
    pupil: Mapped[str] = mapped_column(String(64), primary_key=True)
    child_number: Mapped[int] = mapped_column(Integer)  # the attendance rows' (ChildNumber)
    registrations: Mapped[int] = mapped_column(Integer)
    presences: Mapped[int] = mapped_column(Integer)


class ChildResponse(Record, Base):
    __tablename__ = "child_response"

    response_id: Mapped[str] = mapped_column(String(100))
    completed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    school: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(200))
    school_group: Mapped[int | None] = mapped_column(Integer)
    feels_safe: Mapped[str | None] = mapped_column(String(20))
    knows_where_to_go: Mapped[str | None] = mapped_column(String(10))
    enjoyment: Mapped[int | None] = mapped_column(Integer)
    idea: Mapped[str | None] = mapped_column(Text)


class ParentResponse(Record, Base):
    __tablename__ = "parent_response"

    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    school: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(200))
    feels_safe: Mapped[int | None] = mapped_column(Integer)
    knows_where_to_complain: Mapped[str | None] = mapped_column(String(10))
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    remark: Mapped[str | None] = mapped_column(Text)


class StaffFeedback(Record, Base):
    __tablename__ = "staff_feedback"

    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    role: Mapped[str] = mapped_column(String(20))
    activity_date: Mapped[dt.date] = mapped_column(Date)
    area: Mapped[str] = mapped_column(String(200))
    group_atmosphere: Mapped[int] = mapped_column(Integer)
    cooperation: Mapped[int] = mapped_column(Integer)
    remark: Mapped[str | None] = mapped_column(Text)


class Supervisor(Record, Base):
    __tablename__ = "supervisor"

    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    structural: Mapped[bool] = mapped_column(Boolean)
    vog_date: Mapped[dt.date | None] = mapped_column(Date)


class Complaint(Record, Base):
    __tablename__ = "complaint"

    complaint_date: Mapped[dt.date] = mapped_column(Date)
    area: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))


class PupilCount(Record, Base):
    __tablename__ = "pupil_count"

    school_year: Mapped[str] = mapped_column(String(9))
    school: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(200))
    group_1: Mapped[int] = mapped_column(Integer)
    group_2: Mapped[int] = mapped_column(Integer)
    group_3: Mapped[int] = mapped_column(Integer)
    group_4: Mapped[int] = mapped_column(Integer)
    group_5: Mapped[int] = mapped_column(Integer)
    group_6: Mapped[int] = mapped_column(Integer)
    group_7: Mapped[int] = mapped_column(Integer)
    group_8: Mapped[int] = mapped_column(Integer)


class Spending(Record, Base):
    __tablename__ = "spending"

    booking_date: Mapped[dt.date] = mapped_column(Date)
    area: Mapped[str] = mapped_column(String(200))
    spending_point: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[float] = mapped_column(Numeric(14, 2))


class PartnerResponse(Record, Base):
    __tablename__ = "partner_response"

    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    area: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(300))
    pillar: Mapped[str | None] = mapped_column(String(200))
    progress: Mapped[int] = mapped_column(Integer)
    reach: Mapped[int] = mapped_column(Integer)
    experiences: Mapped[str | None] = mapped_column(Text)
    results: Mapped[str | None] = mapped_column(Text)


class Interpretation(Record, Base):
    """The lokale coalitie's own reading of a goal's figures for a period (its `duiding`), with who wrote it and
    who approved it; delivered as a sheet in the inbox or recorded with `kansenmonitor duiding`. The record is
    the period and goal: a new version supersedes the earlier one, which is kept."""

    __tablename__ = "interpretation"

    goal: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    interpreted_by: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))


class IndicatorValue(Base):
    """The computed indicators of a period close, kept so trends and reports read the same figures."""

    __tablename__ = "indicator_value"
    __table_args__ = (
        UniqueConstraint("coalition", "period", "indicator", "scope", "scope_name", name="uq_indicator_value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coalition: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(30))
    indicator: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(20))
    scope_name: Mapped[str] = mapped_column(String(200))
    value: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    target: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10))
    previous_value: Mapped[float | None] = mapped_column(Float)
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    # hidden only so that another hidden cell cannot be worked out (secondary suppression), not for its own size
    protective: Mapped[bool] = mapped_column(Boolean, default=False)
    quarantined_rows: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ReportDispatch(Base):
    """One report email per coalition, period, audience and area: pending until the SMTP server took it."""

    __tablename__ = "report_dispatch"
    __table_args__ = (
        UniqueConstraint("coalition", "period", "audience", "area", name="uq_report_dispatch"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coalition: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(30))
    audience: Mapped[str] = mapped_column(String(30))
    area: Mapped[str] = mapped_column(String(200), default="")
    recipients: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(300))
    message_path: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(10))  # pending | sending | sent
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


FACT_TABLES = {
    "activiteiten": ActivitySession,
    "aanwezigheid": Attendance,
    "kindvragenlijst": ChildResponse,
    "oudervragenlijst": ParentResponse,
    "begeleidersfeedback": StaffFeedback,
    "begeleiders": Supervisor,
    "klachten": Complaint,
    "leerlingaantallen": PupilCount,
    "bestedingen": Spending,
    "partnervragenlijst": PartnerResponse,
    "duidingen": Interpretation,
}


# Tables derived from a source's fact table as it is loaded (by the database's triggers, or the load's numbering),
# which grow as it does.
DERIVED_TABLES = {"activiteiten": (SessionNumber,), "aanwezigheid": (AttendancePerChild, SessionNumber, ChildNumber)}


def database_url(url: str | None = None) -> str:
    return url or settings().database_url or DEFAULT_DATABASE_URL


def make_engine(url: str | None = None) -> Engine:
    """An engine for `url` (or the environment's, or the demo SQLite file), with SQLite made strict."""
    url = database_url(url)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # psycopg prepares a statement on the server after its fifth run, and PostgreSQL then may plan it once for
    # any values (a generic plan): a lookup of 3 keys and one of 3,000 would share a plan. Prepared nothing, every
    # statement is planned for its own values.
    psycopg = make_url(url).get_driver_name() == "psycopg"
    engine = create_engine(url, future=True, connect_args={"prepare_threshold": None} if psycopg else {})
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if psycopg:
        event.listen(engine, "connect", _binary_lists)
    return engine


def _binary_lists(dbapi_connection, _record) -> None:
    """psycopg writes a list parameter (the keys a batch looks up) as an array in binary: as text it escapes each
    value in Python, 130 ms for 5,000 keys against 7."""
    from psycopg.types.array import ListBinaryDumper

    dbapi_connection.adapters.register_dumper(list, ListBinaryDumper)


@contextmanager
def database(url: str | None = None) -> Iterator[Engine]:
    """The one way a step opens the database: an engine for `url`, disposed when the step is done."""
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class PseudonymKeyCheck(Base):
    """A keyed hash of a fixed text under the key a database's pseudonyms were made with: tells the public
    demo key from a deployment's own without storing either."""

    __tablename__ = "pseudonym_key_check"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    demo: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class QualityResult(Base):
    """One finding of the period's data-quality gate (Great Expectations), for the report's appendix."""

    __tablename__ = "quality_result"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coalition: Mapped[str] = mapped_column(String(100), index=True)
    period: Mapped[str] = mapped_column(String(30))
    check_name: Mapped[str] = mapped_column(String(100))
    scope_name: Mapped[str] = mapped_column(String(200), default="")
    passed: Mapped[bool] = mapped_column(Boolean)
    blocking: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[str] = mapped_column(Text, default="")
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PeriodRelease(Base):
    """A period's reports held back by the quality gate until the steward releases them."""

    __tablename__ = "period_release"
    __table_args__ = (UniqueConstraint("coalition", "period", name="uq_period_release"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coalition: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10))  # held | released
    reason: Mapped[str] = mapped_column(Text, default="")
    held_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    released_by: Mapped[str | None] = mapped_column(String(200))
