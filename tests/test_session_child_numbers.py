"""Session and child numbers (migrations 0011 and 0012): the load numbers each session of a coalition by the key the
reference check matches attendance to the planning on (case, spaces and diacritics aside, the village by its
configured name) and each child by its pseudonym, so `aanbod_onderbouw` joins registrations to their session on one
integer, counts every registration the check accepted, and the marts count children as integers."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from kansenmonitor.db import make_engine
from kansenmonitor.migrate import alembic_config, migrate
from kansenmonitor.periods import parse_period
from tasks.indicators.compute import compute_indicators
from tasks.ingest.files import ingest_file
from tasks.quality.gate import run_quality_gate
from tests.deliveries import attendance, planning, present, session, write_csv

KEY = b"a-deployment-key-of-at-least-32-bytes!"
SESSIONS = "SELECT session_date, title, area, session_number, superseded_by IS NULL AS current FROM activity_session"
REGISTRATIONS = """SELECT session_date, title, area, pupil, session_number, child_number,
    superseded_by IS NULL AS current FROM attendance"""
UNPLANNED = "sessie_niet_gepland"


def _rows(engine, query: str) -> list:
    with engine.connect() as conn:
        return conn.execute(text(query)).all()


def _ingest(engine, config, path) -> None:
    result = ingest_file(engine, config, path, KEY)
    assert (result.status, result.rows_quarantined) == ("loaded", 0), result


def _numbered_alike(engine, sessions_by_spelling: dict[str, str]) -> tuple[dict, dict]:
    """The number of each session and each child, checked to be one number each, the same wherever it occurs
    (planning, attendance, the counts per child, superseded rows too), and different for different ones; a session is
    its date, village and the title `sessions_by_spelling` gives for a spelling."""
    sessions, children = {}, {}
    for row in [*_rows(engine, SESSIONS), *_rows(engine, REGISTRATIONS)]:
        key = (str(row.session_date), sessions_by_spelling[row.title], row.area)
        assert sessions.setdefault(key, row.session_number) == row.session_number, key
    for row in _rows(engine, REGISTRATIONS):
        assert children.setdefault(row.pupil, row.child_number) == row.child_number
    for pupil, number in _rows(engine, "SELECT pupil, child_number FROM attendance_per_child"):
        assert children[pupil] == number
    assert len(set(sessions.values())) == len(sessions) and len(set(children.values())) == len(children)
    return sessions, children


def _figures(engine, config, indicator: str) -> dict[str, tuple]:
    """(numerator, denominator) of `indicator` in 2024-2025-H1 per scope name."""
    computed = compute_indicators(engine, config, parse_period("2024-2025-H1", config))
    return {r.scope_name: (r.numerator, r.denominator) for r in computed if r.indicator == indicator}


def _unplanned(engine, config) -> list[str]:
    """What the quality gate's check `sessie_niet_gepland` finds in 2024-2025-H1 (empty when it passes)."""
    findings = run_quality_gate(engine, config, parse_period("2024-2025-H1", config)).findings
    assert [f.check for f in findings].count(UNPLANNED) >= 1
    return [f.detail for f in findings if f.check == UNPLANNED and not f.passed]


def test_a_registration_the_reference_check_accepts_counts_for_its_session(engine, backpack, tmp_path):
    _ingest(engine, backpack, write_csv(tmp_path / "planning.csv", planning(
        session(group="1-4"), session(date="19-09-2024", title="Dans  café", area="2e Exloërmond", group="1-4"))))
    # Ten children at Voetbal, registered as "voetbal" and "  VOETBAL " (the reader strips the outer spaces); ten at
    # "Dans  café" as "dans cafe" in "Tweede Exloermond" (an alias of the village): all the same sessions to the
    # reference check, which loads them all.
    _ingest(engine, backpack, write_csv(tmp_path / "aanwezigheid.csv", attendance(
        *[present(f"{n}", title="voetbal" if n < 5 else "  VOETBAL ") for n in range(10)],
        *[present(f"{n}", date="19-09-2024", title="dans cafe", area="Tweede Exloermond", school="OBS de Westhoek")
          for n in range(10)])))
    brand = backpack.programme.name

    # Both sessions are for groups 1-4 with 10 distinct children present (the plan's minimum): 2 of 2 sessions, one
    # in each village; and none of their registrations is unplanned.
    assert _figures(engine, backpack, "aanbod_onderbouw") == {
        brand: (2, 2), "Valthermond": (1, 1), "2e Exloërmond": (1, 1), "Nieuw-Buinen": (0, 0)}
    assert _unplanned(engine, backpack) == []
    sessions, _ = _numbered_alike(engine, {"Voetbal": "voetbal", "voetbal": "voetbal", "VOETBAL": "voetbal",
                                           "Dans  café": "dans cafe", "dans cafe": "dans cafe"})
    assert len(sessions) == 2

    # A new version of the planning spells Voetbal "VOETBAL" (the same session) and no longer has the dance: Voetbal
    # still counts, the dance's registrations refer to no planned session any more, and the check says so, naming
    # the session as the attendance spells it.
    _ingest(engine, backpack, write_csv(tmp_path / "planning.csv", planning(session(title="VOETBAL", group="1-4"))))
    assert _figures(engine, backpack, "aanbod_onderbouw") == {
        brand: (1, 1), "Valthermond": (1, 1), "2e Exloërmond": (0, 0), "Nieuw-Buinen": (0, 0)}
    assert _unplanned(engine, backpack) == [
        "Sessie 19-09-2024 dans cafe in 2e Exloërmond: 10 aanwezigheidsregels horen bij een sessie die niet (meer) in "
        "de actuele planning staat"]
    # The planning's rows keep their titles as spelled.
    assert sorted((r.title, r.current) for r in _rows(engine, SESSIONS)) == [
        ("Dans  café", False), ("VOETBAL", True), ("Voetbal", False)]


def test_numbers_follow_the_session_through_spellings_new_versions_and_redeliveries(engine, backpack, tmp_path):
    _ingest(engine, backpack, write_csv(tmp_path / "planning.csv", planning(
        session(group="1-4"), session(date="19-09-2024", title="Dans", group="1-4"))))
    _ingest(engine, backpack, write_csv(tmp_path / "a.csv", attendance(
        present("1001"), present("1002"), present("1003", date="19-09-2024", title="Dans"))))
    # b.csv carries 1002's Voetbal again, spelled "voetbal": the same record (it supersedes a.csv's row) of the same
    # session; and 1001 at Dans.
    _ingest(engine, backpack, write_csv(tmp_path / "b.csv", attendance(
        present("1002", title="voetbal"), present("1001", date="19-09-2024", title="Dans"))))
    # A new version of the planning (its rows replaced whole, Circus added) and of a.csv (1001 absent now, 1002 no
    # longer in it, 1004 absent at Circus).
    _ingest(engine, backpack, write_csv(tmp_path / "planning.csv", planning(
        session(group="1-4"), session(date="19-09-2024", title="Dans", group="1-4"),
        session(date="26-09-2024", title="Circus", group="1-4"))))
    _ingest(engine, backpack, write_csv(tmp_path / "a.csv", attendance(
        present("1001", marker="nee"), present("1003", date="19-09-2024", title="Dans"),
        present("1004", date="26-09-2024", title="Circus", marker="nee"))))

    sessions, children = _numbered_alike(engine, {"Circus": "Circus", "Dans": "Dans", "Voetbal": "Voetbal",
                                                  "voetbal": "Voetbal"})
    assert len(sessions) == 3 and len(children) == 4
    planned = [(row.title, row.current) for row in _rows(engine, SESSIONS)]
    assert sorted(planned) == [("Circus", True), ("Dans", False), ("Dans", True), ("Voetbal", False), ("Voetbal", True)]
    current = sorted((row.title, row.current) for row in _rows(engine, REGISTRATIONS))
    assert current == [("Circus", True), ("Dans", False), ("Dans", True), ("Dans", True), ("Voetbal", False),
                       ("Voetbal", False), ("Voetbal", True), ("voetbal", True)]

    targets = backpack.targets | {"aanbod_onderbouw": backpack.targets["aanbod_onderbouw"].model_copy(
        update={"min_children": 2})}
    config = backpack.model_copy(update={"targets": targets})
    # 1-4 sessions with children present: Dans (1001 and 1003, so 2: enough) and Voetbal (1002, registered as
    # "voetbal"); Circus has none present.
    assert _figures(engine, config, "aanbod_onderbouw")[backpack.programme.name] == (1, 2)
    # Children registered: 1001-1004; present at least once: 1001 (Dans), 1002 (voetbal), 1003.
    assert _figures(engine, config, "deelnemers")[backpack.programme.name] == (3, 4)


def test_the_upgrade_numbers_rows_loaded_before_as_the_load_does(db_url, backpack, tmp_path):
    migrate(db_url)
    engine = make_engine(db_url)
    _ingest(engine, backpack, write_csv(tmp_path / "planning.csv", planning(
        session(group="1-4"), session(date="19-09-2024", title="Dans"))))
    _ingest(engine, backpack, write_csv(tmp_path / "a.csv", attendance(
        present("1001"), present("1002", title="VOETBAL"), present("1001", date="19-09-2024", title="Dans"))))
    _ingest(engine, backpack, write_csv(tmp_path / "a.csv", attendance(
        present("1001", marker="nee"), present("1003", title="voetbal"))))
    loaded = sorted((r.session_date, r.title, r.pupil, r.current) for r in _rows(engine, REGISTRATIONS))
    spellings = {"Voetbal": "Voetbal", "VOETBAL": "Voetbal", "voetbal": "Voetbal", "Dans": "Dans"}
    by_key, _ = _numbered_alike(engine, spellings)
    engine.dispose()

    # Back to 0011: a number per spelling, the planning's Voetbal keeping the session's (first in title order).
    command.downgrade(alembic_config(db_url), "0011_session_and_child_numbers")
    engine = make_engine(db_url)
    spelled, _ = _numbered_alike(engine, {title: title for title in spellings})
    assert len(spelled) == 4 and spelled[("2024-09-12", "Voetbal", "Valthermond")] == \
        by_key[("2024-09-12", "Voetbal", "Valthermond")]
    assert sorted(_rows(engine, "SELECT title, area FROM session_number")) == [
        ("Dans", "Valthermond"), ("VOETBAL", "Valthermond"), ("Voetbal", "Valthermond"), ("voetbal", "Valthermond")]
    engine.dispose()

    command.downgrade(alembic_config(db_url), "0010_ledger_per_statement")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert "session_number" not in list(conn.execute(text("SELECT * FROM attendance")).keys())
    engine.dispose()
    migrate(db_url)
    engine = make_engine(db_url)
    assert sorted((r.session_date, r.title, r.pupil, r.current) for r in _rows(engine, REGISTRATIONS)) == loaded
    sessions, children = _numbered_alike(engine, spellings)
    assert len(sessions) == 2 and len(children) == 3
    assert len(_rows(engine, "SELECT number FROM session_number")) == 2

    # Loaded after the upgrade, a known session and child keep their numbers and a new child gets its own.
    _ingest(engine, backpack, write_csv(tmp_path / "b.csv", attendance(present("1001"), present("1005"))))
    again, children_again = _numbered_alike(engine, spellings)
    assert again == sessions and {p: n for p, n in children_again.items() if p in children} == children
    assert len(children_again) == 4
    targets = backpack.targets | {"aanbod_onderbouw": backpack.targets["aanbod_onderbouw"].model_copy(
        update={"min_children": 2})}
    config = backpack.model_copy(update={"targets": targets})
    figures = _figures(engine, config, "deelnemers")
    # 1001 (present at Voetbal again in b.csv), 1003 ("voetbal" in a.csv's second version) and 1005; 1002 and
    # 1001's Dans went with a.csv's first version.
    assert figures[backpack.programme.name] == (3, 3)
    # Voetbal, the one 1-4 session: 1001, 1003 and 1005 present, however a.csv spelled it.
    assert _figures(engine, config, "aanbod_onderbouw")[backpack.programme.name] == (1, 1)
    engine.dispose()
