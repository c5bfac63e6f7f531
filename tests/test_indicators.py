"""Indicators on a small scenario whose every figure was worked out by hand, on PostgreSQL and SQLite.

The scenario: three villages (Noord with School A and B, Zuid with School C, Oost with School D),
at least 4 respondents per shown share, facts of 2024-2025-H1 and -H2 and, for every source, a
superseded row that would change a figure if it counted.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import insert, select, update

from kansenmonitor.config import Config
from kansenmonitor.db import (
    ActivitySession,
    Attendance,
    ChildResponse,
    Complaint,
    Delivery,
    IndicatorValue,
    ParentResponse,
    PartnerResponse,
    PupilCount,
    Spending,
    StaffFeedback,
    Supervisor,
    make_engine,
)
from kansenmonitor.migrate import migrate
from kansenmonitor.periods import parse_period
from tasks.indicators.compute import IndicatorRow, compute_indicators, store_indicators, write_indicators_csv
from tasks.ingest.load import add_numbers
from tasks.ingest.validate import natural_key

H1, H2 = "2024-2025-H1", "2024-2025-H2"
COALITION = "Kansen Testdorp"
AFTER_THE_YEAR = dt.datetime(2025, 8, 5, 9, 0)


def scenario_config() -> Config:
    return Config.model_validate({
        "programme": {"name": COALITION, "kind": "school_en_omgeving", "start": "2024-08-01", "end": "2025-07-31"},
        "areas": [
            {"name": "Noord", "budget": 1000, "schools": [{"name": "School A"}, {"name": "School B"}],
             "pillars": ["Taal", "Ouders", "Cultuur"]},
            {"name": "Zuid", "budget": 2000, "schools": [{"name": "School C"}], "pillars": ["Taal", "Bewegen"]},
            {"name": "Oost", "budget": 1000, "schools": [{"name": "School D"}]},
        ],
        "eligible_groups": [3, 4, 5, 6],
        "min_respondents": 4,
        "vog_max_age_years": 3,
        "targets": {
            "veiligheid_kinderen": {"value": 0.9}, "veiligheid_ouders": {"value": 0.9},
            "klachtweg_kinderen": {"value": 0.9}, "klachtweg_ouders": {"value": 0.9},
            "vog_dekking": {"value": 1.0}, "klachten_interactie": {"value": 0, "comparison": "<="},
            "groepssfeer": {"value": 4.0},
            "aanbod_onderbouw": {"value": 2, "deadline": "2025-07-31", "min_areas": 1},
            "themamix": {"value": 1.0}, "ontwikkelgebieden": {"all": True},
            "extra_aanbod": {"value": 0, "comparison": ">", "more_than_previous": True},
            "deelnemers": {"more_than_previous": True, "every_area": True},
            "bereik": {"value": 0.25}, "opkomst": {"value": 0.8}, "ideeen": {"value": 0, "comparison": ">"},
            "besteding": {"tolerance": 0.15}, "voortgang_partners": {"value": 3.0}, "pijlerdekking": {"value": 1.0},
        },
    })


def _deliver(conn, file_name: str, received_at: dt.datetime = AFTER_THE_YEAR, sheet: str | None = None) -> int:
    return conn.execute(insert(Delivery).returning(Delivery.id), dict(
        coalition="kansen-testdorp", source="test", file_name=file_name, sheet=sheet, sha256=file_name,
        size_bytes=1, received_at=received_at, status="loaded")).scalar_one()


def _period(day: dt.date | dt.datetime) -> str:
    return H1 if day < type(day)(2025, 1, 1) else H2


def _record_key(file_name: str, n: int, row: dict) -> str:
    """A planning or attendance row's key as a load gives it (its session's number follows it); another row's file
    and row number."""
    if "session_date" not in row:
        return f"{file_name}:{n}"
    return natural_key([pd.Timestamp(row["session_date"]), row["title"], row["area"],
                        *(row[c] for c in ("school", "pupil") if c in row)])


def load_file(conn, model, file_name: str, rows: list[dict], date_field: str | None, replaces: int | None = None,
              **delivery) -> int:
    """One delivered file: its rows from spreadsheet row 2 on; `replaces` supersedes an earlier file's rows."""
    delivery_id = _deliver(conn, file_name, **delivery)
    numbers = {name: [row[name] for row in rows] for name in rows[0]} | {
        "record_key": [_record_key(file_name, n, row) for n, row in enumerate(rows, start=2)]}
    add_numbers(conn, "kansen-testdorp", model.__table__, numbers)  # sessions and children numbered as a load does
    conn.execute(insert(model), [
        dict(coalition="kansen-testdorp", source_row=n, delivery_id=delivery_id,
             period=_period(row[date_field]) if date_field else H2, **row, **{
                 name: values[i] for name, values in numbers.items() if name not in row})
        for i, (n, row) in enumerate(enumerate(rows, start=2))])
    if replaces:
        conn.execute(update(model).where(model.delivery_id == replaces).values(superseded_by=delivery_id))
    return delivery_id


def _session(day, title, area, group, theme_1, theme_2, kind):
    return dict(session_date=day, title=title, area=area, target_group=group, theme_1=theme_1, theme_2=theme_2,
                kind=kind, supervisors=2)


S0 = (dt.date(2024, 10, 1), "Dans", "Noord")
S00 = (dt.date(2024, 11, 5), "Theater", "Zuid")
S1 = (dt.date(2025, 2, 10), "Dans", "Noord")
S2 = (dt.date(2025, 3, 10), "Knutselen", "Noord")
S3 = (dt.date(2025, 3, 12), "Voetbal", "Zuid")
S4 = (dt.date(2025, 4, 1), "Robots", "Zuid")


def _registrations(session, school: str, group: int, present: list[str], absent: list[str] = ()) -> list[dict]:
    day, title, area = session
    return [dict(session_date=day, title=title, area=area, school=school, school_group=group, pupil=pupil,
                 present=pupil in present) for pupil in [*present, *absent]]


def _pupils(prefix: str, first: int, last: int) -> list[str]:
    return [f"{prefix}{n:02d}" for n in range(first, last + 1)]


def _child(day, school, area, feels_safe, knows, idea=None):
    return dict(response_id=f"{school}-{day}-{feels_safe}-{knows}-{idea}", completed_at=day, school=school,
                area=area, school_group=6, feels_safe=feels_safe, knows_where_to_go=knows, idea=idea)


def _parent(school, area, feels_safe, knows):
    return dict(submitted_at=dt.datetime(2025, 5, 2, 20, 15), school=school, area=area, feels_safe=feels_safe,
                knows_where_to_complain=knows)


def _pupil_count(year, school, area, groups):
    return dict(school_year=year, school=school, area=area, **{f"group_{g}": n for g, n in enumerate(groups, 1)})


def insert_scenario(engine) -> None:
    h1_survey, h2_survey = dt.datetime(2024, 12, 1, 10, 0), dt.datetime(2025, 5, 1, 10, 30)
    with engine.begin() as conn:
        old_planning = load_file(conn, ActivitySession, "planning_v1.csv", [
            _session(*S4, "5-8", "Cognitieve ontwikkeling", "Sociale ontwikkeling", "10-weeks")], "session_date")
        load_file(conn, ActivitySession, "planning.csv", [
            _session(*S0, "1-4", "Sport", "Cultuur", "vast"),
            _session(*S00, "5-8", "Cultuur", "Sport", "eenmalig"),
            _session(*S1, "1-4", "Sport", "Cultuur", "vast"),
            _session(*S2, "1-4", "Cultuur", "Cultuur", "10-weeks"),
            _session(*S3, "5-8", "Sport", None, "eenmalig"),
            _session(*S4, "5-8", "Cognitieve ontwikkeling", "Sociale ontwikkeling", "vast"),
        ], "session_date", replaces=old_planning)

        old_attendance = load_file(conn, Attendance, "aanwezigheid_v1.csv",
                                   _registrations(S2, "School A", 3, ["a10"]), "session_date")
        load_file(conn, Attendance, "aanwezigheid.csv", [
            *_registrations(S0, "School A", 3, _pupils("a", 1, 10)),
            *_registrations(S00, "School C", 6, _pupils("c", 1, 4)),
            *_registrations(S1, "School A", 3, _pupils("a", 1, 11), ["a12", "a13"]),
            *_registrations(S2, "School A", 3, _pupils("a", 1, 9), ["a12", "a13", "a14"]),
            *_registrations(S3, "School C", 6, _pupils("c", 1, 5), ["c06"]),
            *_registrations(S3, "School C", 8, ["c07"]),
            *_registrations(S4, "School C", 6, ["c01", "c02"], ["c06"]),
            *_registrations(S4, "School D", 6, ["d01"]),
        ], "session_date", replaces=old_attendance)

        old_children = load_file(conn, ChildResponse, "kindvragenlijst_v1.xlsx", [
            _child(h2_survey, "School C", "Zuid", "Nee", "Nee", "Oud idee")], "completed_at", sheet="Form1")
        load_file(conn, ChildResponse, "kindvragenlijst.xlsx", [
            *[_child(h1_survey, "School A", "Noord", "Ja", "Ja") for _ in range(4)],
            _child(h2_survey, "School A", "Noord", "Ja", "Ja", "Zwemmen"),
            _child(h2_survey, "School A", "Noord", "Ja", "Ja", ""),
            _child(h2_survey, "School A", "Noord", "Ja", "Ja"),
            _child(h2_survey, "School A", "Noord", "Ja", "Nee", "  "),
            _child(h2_survey, "School A", "Noord", "Nee", "Nee", "Dansen"),
            _child(h2_survey, "School B", "Noord", "Ja", "Ja"),
            _child(h2_survey, "School B", "Noord", "Een beetje", "Ja"),
            *[_child(h2_survey, "School C", "Zuid", "Ja", "Ja") for _ in range(4)],
            _child(h2_survey, "School C", "Zuid", "Ja", "Ja", "Koken"),
            _child(h2_survey, "School C", "Zuid", "Ja", None),
            _child(h2_survey, "School D", "Oost", "Ja", "Ja"),
            _child(h2_survey, "School D", "Oost", "Ja", "Ja"),
            _child(h2_survey, "School D", "Oost", "Nee", "Ja"),
            _child(h2_survey, "School D", "Oost", None, "Ja"),
        ], "completed_at", replaces=old_children, sheet="Form1")

        load_file(conn, ParentResponse, "oudervragenlijst.csv", [
            _parent("School A", "Noord", 4, "Ja"), _parent("School A", "Noord", 5, "Ja"),
            _parent("School A", "Noord", 5, "Nee"), _parent("School A", "Noord", 3, "Ja"),
            _parent("School C", "Zuid", 5, "Ja"), _parent("School C", "Zuid", 4, "Ja"),
            _parent("School C", "Zuid", None, "Ja"), _parent("School C", "Zuid", 2, "Ja"),
            _parent("School C", "Zuid", 5, None),
        ], "submitted_at")

        load_file(conn, StaffFeedback, "begeleidersfeedback.csv", [
            dict(submitted_at=dt.datetime(2025, 3, 12, 17, 0), role="begeleider", activity_date=day, area=area,
                 group_atmosphere=rating, cooperation=4)
            for day, area, rating in [(S1[0], "Noord", 4), (S2[0], "Noord", 5), (S2[0], "Noord", 3),
                                      (S3[0], "Zuid", 2), (S4[0], "Zuid", 4)]], "submitted_at")

        # The register as delivered in December 2024, replaced by the one of March 2025.
        supervisor = lambda name, structural, vog: dict(name=name, organisation="Sportclub", structural=structural,
                                                        vog_date=vog)
        register_2024 = load_file(conn, Supervisor, "begeleiders_2024.xlsx", [
            supervisor("Piet", True, dt.date(2024, 1, 10)), supervisor("Anna", True, None),
            supervisor("Kees", False, None), supervisor("Joost", True, dt.date(2020, 6, 1)),
        ], None, received_at=dt.datetime(2024, 12, 15, 9, 0))
        load_file(conn, Supervisor, "begeleiders_2025.xlsx", [
            supervisor("Piet", True, dt.date(2024, 1, 10)), supervisor("Anna", True, dt.date(2025, 2, 1)),
            supervisor("Kees", False, None), supervisor("Joost", True, dt.date(2025, 1, 15)),
            supervisor("Mila", True, dt.date(2025, 8, 15)),
        ], None, replaces=register_2024, received_at=dt.datetime(2025, 3, 1, 9, 0))

        complaint = lambda day, area, category: dict(complaint_date=day, area=area, category=category, status="open")
        old_complaints = load_file(conn, Complaint, "klachten_v1.csv", [
            complaint(dt.date(2025, 4, 1), "Zuid", "groepsdynamiek")], "complaint_date")
        load_file(conn, Complaint, "klachten.csv", [
            complaint(dt.date(2024, 9, 10), "Zuid", "interactie"),
            complaint(dt.date(2025, 2, 1), "Noord", "interactie"),
            complaint(dt.date(2025, 3, 1), "Noord", "veiligheid"),
            complaint(dt.date(2025, 4, 1), "Zuid", "organisatie"),
        ], "complaint_date", replaces=old_complaints)

        old_counts = load_file(conn, PupilCount, "leerlingaantallen_v1.csv", [
            _pupil_count("2024-2025", "School A", "Noord", [0, 0, 999, 0, 0, 0, 0, 0])], None)
        load_file(conn, PupilCount, "leerlingaantallen.csv", [
            _pupil_count("2024-2025", "School A", "Noord", [5, 5, 20, 10, 0, 0, 0, 0]),
            _pupil_count("2024-2025", "School C", "Zuid", [0, 0, 0, 0, 10, 10, 8, 8]),
            _pupil_count("2024-2025", "School D", "Oost", [0, 0, 0, 0, 2, 2, 2, 2]),
            _pupil_count("2023-2024", "School A", "Noord", [0, 0, 500, 0, 0, 0, 0, 0]),
        ], None, replaces=old_counts)

        booking = lambda day, area, point, amount: dict(booking_date=day, area=area, spending_point=point,
                                                        description="boeking", amount=amount)
        old_spending = load_file(conn, Spending, "bestedingen_v1.csv", [
            booking(dt.date(2025, 6, 1), "Zuid", 4, 500.55)], "booking_date")
        load_file(conn, Spending, "bestedingen.csv", [
            booking(dt.date(2024, 9, 1), "Noord", 1, 300.10),
            booking(dt.date(2024, 11, 1), "Noord", 3, 100.20),
            booking(dt.date(2025, 2, 1), "Noord", 1, 450.35),
            booking(dt.date(2025, 3, 1), "Noord", 1, -50.00),
            booking(dt.date(2025, 5, 1), "Zuid", 2, 1200.00),
            booking(dt.date(2025, 6, 1), "Zuid", 4, 550.55),
        ], "booking_date", replaces=old_spending)

        def partner(area, progress, pillar=None, day=dt.datetime(2025, 6, 20, 12, 0)):
            return dict(submitted_at=day, area=area, organisation="Bibliotheek", action="Voorlezen",
                        progress=progress, reach=10, pillar=pillar)

        load_file(conn, PartnerResponse, "partnervragenlijst_h1.csv",
                  [partner("Zuid", 4, "Bewegen", dt.datetime(2024, 12, 10, 9, 0))], "submitted_at")
        old_partners = load_file(conn, PartnerResponse, "partnervragenlijst_v1.csv",
                                 [partner("Noord", 1, "Ouders")], "submitted_at")
        load_file(conn, PartnerResponse, "partnervragenlijst.csv", [
            partner("Noord", 4, "Taal"), partner("Noord", 2, "Taal"), partner("Zuid", 3, "Cultuur"), partner("Oost", 5),
            partner("Oost", 3, "Bewegen"),
        ], "submitted_at", replaces=old_partners)


# (indicator, scope_name): (value, numerator, denominator, status, suppressed, previous_value), for 2024-2025-H2.
# Noord = School A + B, Zuid = School C, Oost = School D. None = no figure.
EXPECTED = {
    # Children: A 4 of 5 "Ja", B 1 of 2, C 6 of 6 (the superseded "Nee" does not count), D 2 of 3 answered.
    # B, D and Oost rest on fewer than 4; Oost being the only hidden village, Zuid (6 < 7) is hidden too;
    # then School A (else Noord - A gives B) and School C (else C gives Zuid). H1: 4 of 4 "Ja" at School A.
    ("veiligheid_kinderen", COALITION): (13 / 16, 13, 16, "not_met", False, 1.0),
    ("veiligheid_kinderen", "Noord"): (5 / 7, 5, 7, "not_met", False, 1.0),
    ("veiligheid_kinderen", "Zuid"): (1.0, 6, 6, "no_data", True, None),
    ("veiligheid_kinderen", "Oost"): (2 / 3, 2, 3, "no_data", True, None),
    ("veiligheid_kinderen", "School A"): (4 / 5, 4, 5, "no_data", True, 1.0),
    ("veiligheid_kinderen", "School B"): (1 / 2, 1, 2, "no_data", True, None),
    ("veiligheid_kinderen", "School C"): (1.0, 6, 6, "no_data", True, None),
    ("veiligheid_kinderen", "School D"): (2 / 3, 2, 3, "no_data", True, None),
    # A 3 of 5, B 2 of 2 (hidden), C 5 of 5 answered, D 4 of 4: only School A hidden besides B.
    ("klachtweg_kinderen", COALITION): (14 / 16, 14, 16, "not_met", False, 1.0),
    ("klachtweg_kinderen", "Zuid"): (1.0, 5, 5, "met", False, None),
    ("klachtweg_kinderen", "School A"): (3 / 5, 3, 5, "no_data", True, 1.0),
    ("klachtweg_kinderen", "School B"): (1.0, 2, 2, "no_data", True, None),
    ("klachtweg_kinderen", "School C"): (1.0, 5, 5, "met", False, None),
    ("klachtweg_kinderen", "School D"): (1.0, 4, 4, "met", False, None),
    # Parents: A 4,5,5,3 -> 3 of 4; C 5,4,2,5 answered -> 3 of 4. Complaint route: A 3 of 4, C 4 of 4.
    ("veiligheid_ouders", COALITION): (0.75, 6, 8, "not_met", False, None),
    ("veiligheid_ouders", "School C"): (0.75, 3, 4, "not_met", False, None),
    ("veiligheid_ouders", "Oost"): (None, 0, 0, "no_data", False, None),
    ("klachtweg_ouders", COALITION): (7 / 8, 7, 8, "not_met", False, None),
    ("klachtweg_ouders", "Zuid"): (1.0, 4, 4, "met", False, None),
    # Register of March 2025 at 31-07-2025: Piet, Anna, Joost covered, Mila's VOG is of after the period.
    # H1 uses the register of December 2024: Piet covered, Anna none, Joost's VOG older than 3 years.
    ("vog_dekking", COALITION): (0.75, 3, 4, "not_met", False, 1 / 3),
    # Interaction or group dynamics: Noord 1 of 2 (the other is veiligheid), Zuid's is organisatie now.
    ("klachten_interactie", COALITION): (1, 1, 3, "not_met", False, 1),
    ("klachten_interactie", "Noord"): (1, 1, 2, "not_met", False, 0),
    ("klachten_interactie", "Zuid"): (0, 0, 1, "met", False, 1),
    ("klachten_interactie", "Oost"): (0, 0, 0, "met", False, 0),
    # Ratings Noord 4, 5, 3 and Zuid 2, 4.
    ("groepssfeer", COALITION): (3.6, 18, 5, "not_met", False, None),
    ("groepssfeer", "Noord"): (4.0, 12, 3, "no_data", True, None),
    ("groepssfeer", "Zuid"): (3.0, 6, 2, "no_data", True, None),
    ("groepssfeer", "Oost"): (None, 0, 0, "no_data", False, None),
    ("groepssfeer_aandeel", COALITION): (0.6, 3, 5, "no_data", False, None),
    ("groepssfeer_aandeel", "Noord"): (2 / 3, 2, 3, "no_data", True, None),
    # Sessions for groups 1-4 with >= 10 children, since the start: S0 (10, H1) and S1 (11); S2 has 9
    # (the superseded 10th child does not count).
    ("aanbod_onderbouw", COALITION): (2, 2, 3, "met", False, 1),
    ("aanbod_onderbouw", "Noord"): (2, 2, 3, "met", False, 1),
    ("aanbod_onderbouw", "Zuid"): (0, 0, 0, "not_met", False, 0),
    # H2: S1 Sport/Cultuur and S4 mix, S2 Cultuur twice and S3 one theme. H1: both sessions mixed.
    ("themamix", COALITION): (0.5, 2, 4, "not_met", False, 1.0),
    ("themamix", "Noord"): (0.5, 1, 2, "not_met", False, 1.0),
    ("themamix", "Oost"): (None, 0, 0, "no_data", False, None),
    ("ontwikkelgebieden", COALITION): (4, 4, 5, "not_met", False, 2),
    ("ontwikkelgebieden", "Zuid"): (3, 3, 5, "not_met", False, 2),
    # Extra: S2 (10-weeks) and S3 (eenmalig); the superseded 10-weeks version of S4 does not count. H1: S00.
    ("extra_aanbod", COALITION): (2, 2, 4, "met", False, 1),
    ("extra_aanbod", "Noord"): (1, 1, 2, "met", False, 0),
    ("extra_aanbod", "Zuid"): (1, 1, 2, "not_met", False, 1),
    ("extra_aanbod", "Oost"): (None, 0, 0, "no_data", False, None),
    # Present: Noord a01-a11 of a01-a14; Zuid c01-c05, c07, d01 of those and c06. H1: 10 and 4.
    # The coalition grew, but Oost had no sessions, so not in every village.
    ("deelnemers", COALITION): (18, 18, 22, "not_met", False, 14),
    ("deelnemers", "Noord"): (11, 11, 14, "met", False, 10),
    ("deelnemers", "Zuid"): (7, 7, 8, "met", False, 4),
    ("deelnemers", "Oost"): (None, 0, 0, "no_data", False, None),
    ("deelnemers", "School C"): (6, 6, 7, "met", False, 4),
    ("deelnemers", "School D"): (1, 1, 1, "no_data", False, None),
    # Registrations: Noord 11 of 13 + 9 of 12, Zuid 6 of 7 + 3 of 4. School D (1) is hidden, and School C
    # as the next smallest school. 0.8 exactly meets ">= 80%".
    ("opkomst", COALITION): (29 / 36, 29, 36, "met", False, 1.0),
    ("opkomst", "Noord"): (0.8, 20, 25, "met", False, 1.0),
    ("opkomst", "Zuid"): (9 / 11, 9, 11, "met", False, 1.0),
    ("opkomst", "School A"): (0.8, 20, 25, "met", False, 1.0),
    ("opkomst", "School C"): (0.8, 8, 10, "no_data", True, 1.0),
    ("opkomst", "School D"): (1.0, 1, 1, "no_data", True, None),
    # Groups 3-6 only: A 20+10 pupils, C 10+10, D 2+2; School B has no pupil count. c07 is in group 8.
    # d01 (School D) counts for Oost although the session was in Zuid.
    ("bereik", COALITION): (17 / 54, 17, 54, "met", False, 14 / 54),
    ("bereik", "Noord"): (11 / 30, 11, 30, "met", False, 10 / 30),
    ("bereik", "Zuid"): (0.25, 5, 20, "met", False, 0.2),
    ("bereik", "Oost"): (0.25, 1, 4, "met", False, 0.0),
    ("bereik", "School B"): (None, 0, 0, "no_data", False, None),
    # Ideas: A "Zwemmen" and "Dansen" (an empty and a blank answer do not count), C "Koken".
    ("ideeen", COALITION): (3, 3, 17, "met", False, 0),
    ("ideeen", "School A"): (2, 2, 5, "met", False, 0),
    ("ideeen", "School B"): (0, 0, 2, "not_met", False, None),
    ("ideeen", "Oost"): (0, 0, 4, "not_met", False, None),
    # Since the start: Noord 300.10 + 100.20 + 450.35 - 50.00 = 800.65 of 1000, Zuid 1200 + 550.55 of 2000;
    # at 31-07-2025 the whole run has elapsed (100% ± 15%). H1: Noord 400.30, 153 of 365 days elapsed.
    ("besteding", COALITION): (2551.20 / 4000, 2551.20, 4000, "not_met", False, 400.30 / 4000),
    ("besteding", "Noord"): (0.80065, 800.65, 1000, "not_met", False, 0.4003),
    ("besteding", "Zuid"): (1750.55 / 2000, 1750.55, 2000, "met", False, None),
    ("besteding", "Oost"): (None, 0, 1000, "no_data", False, None),
    ("besteding_punt_1", "Noord"): (0.70045, 700.45, 1000, "no_data", False, 0.3001),
    ("besteding_punt_3", "Noord"): (0.1002, 100.20, 1000, "no_data", False, 0.1002),
    ("besteding_punt_4", COALITION): (550.55 / 4000, 550.55, 4000, "no_data", False, None),
    # Progress Noord 4, 2 (the superseded 1 does not count), Zuid 3, Oost 5, 3. Figures about organisations
    # need one organisation (min_organisations), not 4 respondents: Noord's two answers are shown. H1: Zuid's 4.
    ("voortgang_partners", COALITION): (3.4, 17, 5, "met", False, 4.0),
    ("voortgang_partners", "Noord"): (3.0, 6, 2, "met", False, None),
    ("voortgang_partners_aandeel", COALITION): (0.8, 4, 5, "no_data", False, 1.0),
    ("voortgang_partners_aandeel", "Oost"): (1.0, 2, 2, "no_data", False, None),
    # Chosen pillars: Noord Taal, Ouders, Cultuur; Zuid Taal, Bewegen; Oost none. H2: Noord's two actions
    # both serve Taal (the superseded Ouders does not count); Zuid's serves Cultuur, which Zuid did not
    # choose; Oost's one named pillar is not Oost's. H1: Zuid's action served Bewegen.
    ("pijlerdekking", COALITION): (1 / 5, 1, 5, "not_met", False, 1 / 5),
    ("pijlerdekking", "Noord"): (1 / 3, 1, 3, "not_met", False, None),
    ("pijlerdekking", "Zuid"): (0.0, 0, 2, "not_met", False, 0.5),
    ("pijlerdekking", "Oost"): (None, 0, 0, "no_data", False, None),
}


@pytest.fixture
def config():
    return scenario_config()


@pytest.fixture
def rows(engine, config):
    insert_scenario(engine)
    return compute_indicators(engine, config, parse_period(H2, config))


def _index(rows: list[IndicatorRow]) -> dict[tuple[str, str], IndicatorRow]:
    return {(r.indicator, r.scope_name): r for r in rows}


def _figures(row: IndicatorRow) -> tuple:
    return row.value, row.numerator, row.denominator, row.status, row.suppressed, row.previous_value


def test_every_indicator_matches_the_hand_worked_figures(rows):
    computed = _index(rows)
    for key, expected in EXPECTED.items():
        assert key in computed, key
        assert _figures(computed[key]) == pytest.approx(expected), key


def test_every_indicator_of_the_contract_is_computed_for_the_coalition_and_each_village(rows):
    computed = _index(rows)
    indicators = {"veiligheid_kinderen", "veiligheid_ouders", "klachtweg_kinderen", "klachtweg_ouders", "vog_dekking",
                  "klachten_interactie", "groepssfeer", "aanbod_onderbouw", "themamix", "ontwikkelgebieden",
                  "extra_aanbod", "deelnemers", "bereik", "opkomst", "ideeen", "besteding", "voortgang_partners",
                  "pijlerdekking"}
    assert indicators <= {r.indicator for r in rows}
    for indicator in indicators - {"vog_dekking"}:
        assert {(indicator, s) for s in (COALITION, "Noord", "Zuid", "Oost")} <= set(computed), indicator
    assert [r.scope for r in rows if r.indicator == "vog_dekking"] == ["coalition"]
    school_level = {r.indicator for r in rows if r.scope == "school"}
    assert school_level == {"veiligheid_kinderen", "veiligheid_ouders", "klachtweg_kinderen", "klachtweg_ouders",
                            "deelnemers", "bereik", "opkomst", "ideeen"}


def test_targets_read_as_the_report_shows_them(rows):
    computed = _index(rows)
    assert computed[("veiligheid_kinderen", COALITION)].target == "minimaal 90%"
    assert computed[("klachten_interactie", "Noord")].target == "geen klachten"
    assert computed[("aanbod_onderbouw", COALITION)].target == \
        "minimaal 2 activiteiten, in minstens 1 dorp, uiterlijk 31 juli 2025"
    assert computed[("aanbod_onderbouw", "Noord")].target == "minimaal 2 activiteiten, uiterlijk 31 juli 2025"
    assert computed[("deelnemers", COALITION)].target == "meer dan het vorige meetmoment, in alle dorpen"
    assert computed[("extra_aanbod", "Zuid")].target == "minimaal 1 extra activiteit, meer dan het vorige meetmoment"
    assert computed[("besteding", "Zuid")].target == \
        "rond 100%, in de pas met de verstreken tijd (marge 15 procentpunt)"
    assert computed[("groepssfeer_aandeel", COALITION)].target == ""


def test_change_is_the_difference_with_the_previous_period(rows):
    computed = _index(rows)
    assert computed[("veiligheid_kinderen", COALITION)].change == pytest.approx(13 / 16 - 1.0)
    assert computed[("deelnemers", "Zuid")].change == 3
    assert computed[("groepssfeer", COALITION)].change is None


def test_the_plan_sets_how_many_children_make_a_session_of_groups_1_to_4_count(engine, config):
    insert_scenario(engine)
    strict = config.model_copy(update={"targets": config.targets | {
        "aanbod_onderbouw": config.targets["aanbod_onderbouw"].model_copy(update={"min_children": 1000})}})
    computed = _index(compute_indicators(engine, strict, parse_period(H2, strict)))
    assert (computed[("aanbod_onderbouw", COALITION)].value, computed[("aanbod_onderbouw", COALITION)].status) == (
        0, "not_met")


def test_the_first_period_has_no_previous_value_and_its_own_spending_pace(engine, config):
    insert_scenario(engine)
    computed = _index(compute_indicators(engine, config, parse_period(H1, config)))
    noord = computed[("besteding", "Noord")]
    # 400.30 of 1000 spent, 153 of 365 days (41.9%) elapsed: within 15 points.
    assert (noord.value, noord.status, noord.target) == (
        pytest.approx(0.4003), "met", "rond 41,9%, in de pas met de verstreken tijd (marge 15 procentpunt)")
    assert computed[("deelnemers", "Noord")].status == "no_data"  # growth cannot be judged without a previous period
    assert computed[("aanbod_onderbouw", COALITION)].status == "not_met"  # 1 session in Noord, 2 needed
    assert all(r.previous_value is None for r in computed.values())


def test_the_current_register_counts_when_no_register_had_arrived_by_the_period_end(engine, config):
    with engine.begin() as conn:
        load_file(conn, Supervisor, "begeleiders.xlsx", [
            dict(name="Piet", organisation="Club", structural=True, vog_date=dt.date(2024, 1, 10)),
            dict(name="Anna", organisation="Club", structural=True, vog_date=dt.date(2025, 2, 1)),
        ], None, received_at=dt.datetime(2025, 3, 1, 9, 0))
    computed = _index(compute_indicators(engine, config, parse_period(H1, config)))
    # At 31-12-2024 only Piet's VOG had been issued.
    assert _figures(computed[("vog_dekking", COALITION)]) == (0.5, 1, 2, "not_met", False, None)


def test_stored_indicators_replace_those_of_the_same_period_only(engine, config, rows):
    h1 = compute_indicators(engine, config, parse_period(H1, config))
    store_indicators(engine, config, h1)
    store_indicators(engine, config, rows)
    store_indicators(engine, config, rows)
    with engine.connect() as conn:
        stored = conn.execute(select(IndicatorValue.period, IndicatorValue.indicator, IndicatorValue.scope_name,
                                     IndicatorValue.value, IndicatorValue.suppressed)).all()
    assert sum(1 for s in stored if s.period == H2) == len(rows)
    assert sum(1 for s in stored if s.period == H1) == len(h1)
    oost = next(s for s in stored if (s.period, s.indicator, s.scope_name) == (H2, "veiligheid_kinderen", "Oost"))
    assert (oost.value, bool(oost.suppressed)) == (pytest.approx(2 / 3), True)


def test_the_csv_is_byte_identical_on_postgresql_and_sqlite(pg_url, sqlite_url, tmp_path):
    config = scenario_config()
    written = {}
    for name, url in (("postgresql", pg_url), ("sqlite", sqlite_url)):
        migrate(url)
        engine = make_engine(url)
        try:
            insert_scenario(engine)
            rows = compute_indicators(engine, config, parse_period(H2, config))
            write_indicators_csv(rows, tmp_path / f"{name}.csv")
        finally:
            engine.dispose()
        written[name] = (tmp_path / f"{name}.csv").read_bytes()
    assert written["postgresql"] == written["sqlite"]
    lines = written["sqlite"].decode("utf-8").splitlines()
    assert lines[0] == ("indicator,scope,scope_name,period,value,numerator,denominator,target,status,"
                        "previous_value,suppressed,quarantined_rows")
    assert "veiligheid_kinderen,coalition,Kansen Testdorp,2024-2025-H2,0.8125,13,16,minimaal 90%,not_met,1,false,0" in lines
    assert "veiligheid_kinderen,area,Oost,2024-2025-H2,,2,3,minimaal 90%,no_data,,true,0" in lines  # the steward's counts
    assert "groepssfeer,coalition,Kansen Testdorp,2024-2025-H2,3.6,18,5,minimaal 4,not_met,,false,0" in lines
    assert ('besteding,area,Noord,2024-2025-H2,0.80065,800.65,1000,"rond 100%, in de pas met de verstreken tijd '
            '(marge 15 procentpunt)",not_met,0.4003,false,0') in lines
    assert "deelnemers,area,Noord,2024-2025-H2,11,11,14,meer dan het vorige meetmoment,met,10,false,0" in lines


def test_text_cells_that_excel_would_run_are_neutralised(tmp_path):
    row = IndicatorRow("ideeen", "school", "=HYPERLINK(\"http://x\")", H2, 2.0, 2.0, 5.0, "> 0", "met", None)
    write_indicators_csv([row], tmp_path / "indicators.csv")
    line = (tmp_path / "indicators.csv").read_text(encoding="utf-8").splitlines()[1]
    assert line == 'ideeen,school,"\'=HYPERLINK(""http://x"")",2024-2025-H2,2,2,5,> 0,met,,false,0'


def test_every_computed_indicator_has_a_dutch_label_and_the_right_notation(rows):
    from kansenmonitor.catalogue import catalogue
    from kansenmonitor.dutch import format_value

    assert {r.indicator for r in rows} - catalogue().keys() == set()
    assert {r.indicator for r in rows} >= {"groepssfeer_aandeel", "voortgang_partners_aandeel", "besteding_punt_1"}
    assert format_value("groepssfeer_aandeel", 0.755) == "76%"
    assert format_value("besteding_punt_2", 0.5) == "50%"


def test_where_a_rating_starts_to_count_comes_from_the_target(engine, config):
    insert_scenario(engine)
    strict = config.model_copy(update={"targets": config.targets | {
        "groepssfeer": config.targets["groepssfeer"].model_copy(update={"counts_from": 5})}})
    computed = _index(compute_indicators(engine, strict, parse_period(H2, strict)))
    default = _index(compute_indicators(engine, config, parse_period(H2, config)))
    assert default[("groepssfeer_aandeel", COALITION)].numerator == 3
    assert computed[("groepssfeer_aandeel", COALITION)].numerator < 3
