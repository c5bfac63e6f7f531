"""COPY on PostgreSQL stores exactly what the INSERT path stores on SQLite, awkward text included, and
a COPY that fails halfway leaves nothing of the file behind."""

from __future__ import annotations

from sqlalchemy import func, select, text

from kansenmonitor.config import Config
from kansenmonitor.db import ActivitySession, Attendance, ChildResponse, Delivery, make_engine
from kansenmonitor.migrate import migrate
from schemas import SOURCES
from tasks.ingest.files import ingest_file
from tests.deliveries import attendance, planning, present, session, write_csv

KEY = b"test-key"
AWKWARD = ["Tab\tin het midden", "Twee\nregels", "Windows\r\nregeleinde", "Back\\slash \\N en \\.",
           "\"Aanhalingstekens\" en 'enkele'", "NULL", "\\N", "Puntkomma; en komma, samen"]
SURVEY_HEADER = list(SOURCES["kindvragenlijst"].headers({}).values())


def _deliveries(tmp_path):
    plan = planning(*[session(title=t, theme_2="" if i % 2 else "Cultuur") for i, t in enumerate(AWKWARD)])
    visits = attendance(*[present(str(1000 + i), title=t, marker="ja" if i % 3 else "nee", group=str(1 + i % 8))
                          for i, t in enumerate(AWKWARD)])
    survey = [SURVEY_HEADER] + [[str(i + 1), "", f"12-09-2024 15:{i:02d}:00", "anonymous", "", "OBS de Aanloop",
                                 "" if i % 2 else "6", "Ja", "" if i % 3 else "Nee", "" if i % 2 else "4", idea]
                                for i, idea in enumerate(AWKWARD + [""])]
    return [write_csv(tmp_path / "planning.csv", plan), write_csv(tmp_path / "aanwezigheid.csv", visits),
            write_csv(tmp_path / "kindvragenlijst.csv", survey)]


def _contents(url: str, config: Config, files) -> dict[str, list[tuple]]:
    migrate(url)
    engine = make_engine(url)
    try:
        for path in files:
            assert ingest_file(engine, config, path, KEY).rows_quarantined == 0
        with engine.connect() as conn:
            return {model.__tablename__: [tuple(r) for r in conn.execute(
                select(*model.__table__.columns).order_by(model.source_row))]
                for model in (ActivitySession, Attendance, ChildResponse)}
    finally:
        engine.dispose()


def test_copy_stores_exactly_what_inserts_store(pg_url, sqlite_url, backpack, tmp_path):
    files = _deliveries(tmp_path)
    by_copy = _contents(pg_url, backpack, files)
    by_insert = _contents(sqlite_url, backpack, files)
    assert by_copy == by_insert
    assert [len(rows) for rows in by_copy.values()] == [len(AWKWARD), len(AWKWARD), len(AWKWARD) + 1]


def test_copy_keeps_tabs_line_breaks_backslashes_quotes_and_nulls(pg_url, backpack, tmp_path):
    stored = _contents(pg_url, backpack, _deliveries(tmp_path))
    titles = [row[ActivitySession.__table__.columns.keys().index("title")] for row in stored["activity_session"]]
    themes = [row[ActivitySession.__table__.columns.keys().index("theme_2")] for row in stored["activity_session"]]
    ideas = [row[ChildResponse.__table__.columns.keys().index("idea")] for row in stored["child_response"]]
    assert titles == AWKWARD
    assert themes == ["Cultuur", None] * (len(AWKWARD) // 2)
    assert ideas == AWKWARD + [None]


def test_a_copy_failing_halfway_leaves_nothing_of_the_file(pg_url, backpack, tmp_path):
    """A trigger refusing the second row makes PostgreSQL stop the COPY there (values beyond the columns no longer
    get this far: they fail validation). Nothing of the file stays but its ledger row saying why it failed."""
    migrate(pg_url)
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                          "IF NEW.title = 'Tweede' THEN RAISE EXCEPTION 'tweede rij geweigerd'; END IF; "
                          "RETURN NEW; END $$"))
        conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON activity_session FOR EACH ROW "
                          "EXECUTE FUNCTION refuse()"))
    path = write_csv(tmp_path / "planning.csv", planning(session(), session(title="Tweede")))
    try:
        result = ingest_file(engine, backpack, path, KEY)
        assert result.status == "failed" and "tweede rij geweigerd" in result.message
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(ActivitySession)).scalar() == 0
            assert conn.execute(select(Delivery.status, Delivery.rows_loaded)).all() == [("failed", 0)]
        assert ingest_file(engine, backpack, write_csv(tmp_path / "ok.csv", planning(session())), KEY).rows_loaded == 1
    finally:
        engine.dispose()
