"""The period's quality gate on real deliveries: it reports exactly the planted gaps, holds and releases
the reports, and leaves its page for the steward — on PostgreSQL and on SQLite."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from flows.close_period import judge_period
from kansenmonitor.db import ActivitySession, PeriodRelease, QualityResult, make_engine
from kansenmonitor.migrate import migrate
from kansenmonitor.periods import parse_period
from tasks.ingest.files import ingest_file
from tasks.quality.checks import Check, Suite
from tasks.quality.gate import Finding
from tasks.quality.gx import QualityCheckError, validate
from tasks.quality.release import apply_hold, is_held, release_period
from tests.deliveries import attendance, planning, present, session, write_csv, write_xlsx

KEY = b"k"
FORMS_HEADER = ["ID", "Begintijd", "Tijd van voltooien", "E-mail", "Naam", "Op welke school zit je?",
                "In welke groep zit je?", "Ik voel me veilig bij de activiteiten",
                "Ik weet bij wie ik terecht kan als er iets is", "Hoe leuk vond je de activiteiten?",
                "Wat zou je nog eens willen doen?"]
SUPERVISOR_HEADER = ["Naam", "Organisatie", "Structureel", "VOG-datum"]


def ingest(engine, config, path, received=None):
    result = ingest_file(engine, config, path, KEY, received=received)
    assert result.status == "loaded" and result.rows_quarantined == 0, result
    return result


def children(day, title, area, **per_school):
    """Attendance rows: `per_school` maps a school to the pupil numbers present."""
    return [present(f"{school[:3]}{n}", day, title, area, school, "5")
            for school, numbers in per_school.items() for n in numbers]


def two_halves(engine, config, tmp_path, crowded_spelling="Voetbal"):
    """H1 as a healthy baseline; H2 with School 59 silent, one crowded session (its CKC Rehoboth children registered
    at `crowded_spelling`), Nieuw-Buinen's participants falling from 12 to 4, and a supervisor register from July
    2024."""
    valthermond, exloermond, buinen = "Valthermond", "2e Exloërmond", "Nieuw-Buinen"
    sessions = [("12-09-2024", "Voetbal", valthermond), ("13-09-2024", "Toneel", exloermond),
                ("14-09-2024", "Knutselen", buinen), ("15-01-2025", "Voetbal", valthermond),
                ("12-02-2025", "Voetbal", valthermond), ("16-01-2025", "Toneel", exloermond),
                ("13-02-2025", "Toneel", exloermond), ("17-01-2025", "Knutselen", buinen),
                ("12-03-2025", "Voetbal", valthermond)]
    ingest(engine, config, write_xlsx(tmp_path / "planning.xlsx", planning(
        *[session(day, title, area) for day, title, area in sessions])))
    six, first, second = range(1, 7), range(1, 4), range(4, 7)
    rows = [
        *children("12-09-2024", "Voetbal", valthermond, **{"OBS de Aanloop": six, "CKC Rehoboth": six}),
        *children("13-09-2024", "Toneel", exloermond, **{"OBS de Westhoek": six, "CKC de Wegwijzer": six}),
        *children("14-09-2024", "Knutselen", buinen, **{"OBS de Poolster": first, "School 75": first,
                                                         "CKC de Klister": first, "School 59": first}),
        *children("15-01-2025", "Voetbal", valthermond, **{"OBS de Aanloop": first, "CKC Rehoboth": first}),
        present("Aan20", "15-01-2025", "Voetbal", valthermond, "OBS de Aanloop", "5", "nee"),
        *children("12-02-2025", "Voetbal", valthermond, **{"OBS de Aanloop": second, "CKC Rehoboth": second}),
        *children("16-01-2025", "Toneel", exloermond, **{"OBS de Westhoek": first, "CKC de Wegwijzer": first}),
        *children("13-02-2025", "Toneel", exloermond, **{"OBS de Westhoek": second, "CKC de Wegwijzer": second}),
        *children("17-01-2025", "Knutselen", buinen, **{"OBS de Poolster": range(1, 3), "School 75": [1],
                                                         "CKC de Klister": [1]}),
        *children("12-03-2025", "Voetbal", valthermond, **{"OBS de Aanloop": range(1, 11)}),
        *children("12-03-2025", crowded_spelling, valthermond, **{"CKC Rehoboth": range(1, 11)}),
    ]
    ingest(engine, config, write_csv(tmp_path / "aanwezigheid.csv", attendance(*rows)))
    answers = [[i, dt.datetime(2025, 3, 3, 14, 0), dt.datetime(2025, 3, 3, 14, 5), "", "anonymous", school, 6,
                "Ja", "Ja", 4, None] for i, school in enumerate(config.schools(), 1)]
    ingest(engine, config, write_xlsx(tmp_path / "kindvragenlijst.xlsx", [FORMS_HEADER, *answers]))
    register = [SUPERVISOR_HEADER, ["Anna Bakker", "Sportbedrijf", "ja", "01-03-2024"]]
    ingest(engine, config, write_csv(tmp_path / "begeleiders.csv", register), received=dt.datetime(2024, 7, 1, 9, 0))


def stored(engine, config):
    with engine.connect() as conn:
        return sorted(Finding(r.check_name, r.scope_name, r.passed, r.blocking, r.detail) for r in conn.execute(
            select(QualityResult).where(QualityResult.coalition == config.slug)))


def test_gate_reports_exactly_the_planted_gaps(engine, backpack, tmp_path):
    two_halves(engine, backpack, tmp_path)
    result = judge_period(engine, backpack, parse_period("2024-2025-H2", backpack), tmp_path / "out")

    assert sorted(result.problems) == [
        Finding("deelnemers_daling", "Nieuw-Buinen", False, False,
                "Deelnemers in Nieuw-Buinen dalen van 12 in het eerste meetmoment (augustus–december 2024) naar 4 in "
                "het tweede meetmoment (januari–juli 2025) (-67%)"),
        Finding("register_begeleiders_verouderd", "begeleiders", False, True,
                "Register begeleiders is 395 dagen oud op 31-07-2025 (aangeleverd op 01-07-2024 als begeleiders.csv; "
                "toegestaan is 365 dagen)"),
        Finding("sessie_uitschieter", "12-03-2025 Voetbal Valthermond", False, False,
                "Sessie 12-03-2025 Voetbal in Valthermond: 20 kinderen aanwezig, meer dan 3× de mediaan (6)"),
        Finding("volledigheid_aanwezigheid", "School 59", False, True,
                "School 59 leverde geen aanwezigheid aan voor het tweede meetmoment (januari–juli 2025)"),
    ]
    assert sorted(f.check for f in result.findings if f.passed) == [
        "register_begeleiders_ontbreekt", "sessie_niet_gepland", "volledigheid_kindvragenlijst"]
    assert stored(engine, backpack) == sorted(result.findings)
    assert not result.held and not is_held(engine, backpack, "2024-2025-H2")

    assert {(f.check, f.source) for f in result.problems} == {
        ("register_begeleiders_verouderd", "begeleiders"), ("sessie_uitschieter", "aanwezigheid"),
        ("volledigheid_aanwezigheid", "aanwezigheid"), ("deelnemers_daling", "aanwezigheid")}
    assert result.page == tmp_path / "out" / "kwaliteit-2024-2025-H2.html"
    assert not (tmp_path / "out" / "data-docs").exists()


def test_a_session_spelled_two_ways_is_one_session_to_the_gate(engine, backpack, tmp_path):
    """The crowded session's CKC Rehoboth children are registered at "voëtbal" (to the reference check, which
    loads them, the planning's Voetbal): it is one session of 20 children, as `aanbod_onderbouw` counts it, not two of
    10, which the median (6) would not have flagged; and none of its registrations is unplanned."""
    two_halves(engine, backpack, tmp_path, crowded_spelling="voëtbal")
    result = judge_period(engine, backpack, parse_period("2024-2025-H2", backpack), tmp_path / "out")

    assert [(f.scope, f.detail) for f in result.problems if f.check == "sessie_uitschieter"] == [
        ("12-03-2025 Voetbal Valthermond",
         "Sessie 12-03-2025 Voetbal in Valthermond: 20 kinderen aanwezig, meer dan 3× de mediaan (6)")]
    assert [f.passed for f in result.findings if f.check == "sessie_niet_gepland"] == [True]


def test_hold_release_and_hold_again_on_new_findings(engine, backpack, tmp_path):
    config = backpack.model_copy(update={"quality": backpack.quality.model_copy(update={"hold_reports": True})})
    ingest(engine, config, write_xlsx(tmp_path / "planning.xlsx", planning(
        session("12-09-2024"), session("19-09-2024"))))
    ingest(engine, config, write_csv(tmp_path / "aanwezigheid.csv", attendance(
        *[present(n, "12-09-2024") for n in (1, 2, 3)], present(4, "19-09-2024"))))
    # A planning redelivery that drops the session of 12-09 supersedes it: the attendance now refers to nothing.
    replacement = ingest(engine, config, write_xlsx(tmp_path / "planning-v2.xlsx", planning(session("26-09-2024"))))
    with engine.begin() as conn:
        conn.execute(update(ActivitySession).where(ActivitySession.session_date == dt.date(2024, 9, 12))
                     .values(superseded_by=replacement.delivery_id))
    assert release_period(engine, config, parse_period("2024-2025-H1", config), "steward") == (
        "De rapportage van 2024-2025-H1 is niet tegengehouden; er is niets vrij te geven.")

    first = judge_period(engine, config, parse_period("2024-2025-H1", config), tmp_path / "out")
    unplanned = [f.detail for f in first.problems if f.check == "sessie_niet_gepland"]
    assert unplanned == ["Sessie 12-09-2024 Voetbal in Valthermond: 3 aanwezigheidsregels horen bij een sessie die "
                         "niet (meer) in de actuele planning staat"]
    assert [f.detail for f in first.problems if f.check.startswith("register")] == [
        "Register begeleiders is niet aangeleverd; de VOG-dekking kan niet worden bepaald"]
    assert first.held and is_held(engine, config, "2024-2025-H1")
    with engine.connect() as conn:
        reason = conn.execute(select(PeriodRelease.reason)).scalar()
    assert unplanned[0] in reason and "School 59 leverde geen aanwezigheid" in reason

    assert release_period(engine, config, parse_period("2024-2025-H1", config), "steward") == (
        "De rapportage van 2024-2025-H1 is vrijgegeven door steward; de rapporten kunnen worden verstuurd.")
    assert not is_held(engine, config, "2024-2025-H1")
    assert release_period(engine, config, parse_period("2024-2025-H1", config), "iemand").startswith(
        "De rapportage van 2024-2025-H1 was al vrijgegeven door steward op ")

    again = judge_period(engine, config, parse_period("2024-2025-H1", config), tmp_path / "out")
    assert not again.held and again.findings == first.findings
    assert len(stored(engine, config)) == len(first.findings)

    register = [SUPERVISOR_HEADER, ["Anna Bakker", "Sportbedrijf", "ja", "01-03-2024"]]
    ingest(engine, config, write_csv(tmp_path / "begeleiders.csv", register), received=dt.datetime(2024, 12, 1))
    changed = judge_period(engine, config, parse_period("2024-2025-H1", config), tmp_path / "out")
    assert [f.check for f in changed.problems if f.check.startswith("register")] == []
    assert changed.held and is_held(engine, config, "2024-2025-H1")


def test_gate_lifts_its_hold_when_nothing_blocks_any_more(engine, backpack):
    now = dt.datetime(2025, 1, 5, 12, 0)
    with engine.begin() as conn:
        assert apply_hold(conn, backpack, "2024-2025-H1", "Blokkerende bevindingen: x", now)
        assert not apply_hold(conn, backpack, "2024-2025-H1", None, now)
        row = conn.execute(select(PeriodRelease)).one()
    assert (row.status, row.released_by, row.reason) == ("released", "kwaliteitscontrole", "")
    with engine.begin() as conn:
        assert apply_hold(conn, backpack, "2024-2025-H1", "Blokkerende bevindingen: x", now)
    assert is_held(engine, backpack, "2024-2025-H1")


def test_a_coalition_without_schools_or_vog_goal_has_nothing_to_check(sqlite_url, coevorden, tmp_path):
    migrate(sqlite_url)
    result = judge_period(make_engine(sqlite_url), coevorden, parse_period("2024-2025-H1", coevorden), tmp_path)
    assert (result.findings, result.held) == ([], False)
    assert "Geen bevindingen: alle controles zijn geslaagd." in result.page.read_text(encoding="utf-8")


def test_a_check_that_cannot_run_stops_the_gate_instead_of_passing(sqlite_url, tmp_path):
    migrate(sqlite_url)
    broken = Suite("kapot", "SELECT 1 AS one", [Check("kapot", "regel", "SELECT missing FROM {batch}", True,
                                                       lambda row: ("", ""))])
    with pytest.raises(QualityCheckError, match="controle kapot kon niet worden uitgevoerd: .*missing"):
        validate(sqlite_url, [broken], "2024-2025-H1")
