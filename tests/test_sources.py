"""Each of the ten sources, in the shape its real export has, loads into its table with the right values."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from kansenmonitor.db import (
    ChildResponse,
    Complaint,
    ParentResponse,
    PartnerResponse,
    PupilCount,
    QuarantinedRow,
    Spending,
    StaffFeedback,
)
from tasks.ingest.failures import failed_rows
from tasks.ingest.files import ingest_file
from tests.deliveries import write_csv, write_xlsx

KEY = b"test-key"
FORMS_HEADER = ["ID", "Begintijd", "Tijd van voltooien", "E-mail", "Naam", "Op welke school zit je?",
                "In welke groep zit je?", "Ik voel me veilig bij de activiteiten",
                "Ik weet bij wie ik terecht kan als er iets is", "Hoe leuk vond je de activiteiten?",
                "Wat zou je nog eens willen doen?"]


def loaded(engine, *columns):
    with engine.connect() as conn:
        return conn.execute(select(*columns).order_by(columns[0].table.c.source_row)).all()


def test_microsoft_forms_child_survey_never_keeps_the_name(engine, backpack, tmp_path):
    rows = [FORMS_HEADER,
            [1, dt.datetime(2024, 10, 3, 14, 1), dt.datetime(2024, 10, 3, 14, 5), "anonymous", "anonymous",
             "de klister", "Groep 6", "ja", "Ja", 4, "<b>meer voetbal</b>"],
            [2, dt.datetime(2025, 3, 3, 14, 1), "03-03-2025 14:07", "", "Sanne de Vries", "School 59", 7,
             "Een beetje", "nee", 5, None],
            [3, dt.datetime(2025, 3, 3, 14, 1), "03-03-2025 14:09", "", "Piet Klaassen", "School 59", 7,
             "misschien", "Ja", 6, None]]
    result = ingest_file(engine, backpack, write_xlsx(tmp_path / "Kindvragenlijst(1-3).xlsx", rows), KEY)
    assert (result.source, result.rows_loaded, result.rows_quarantined) == ("kindvragenlijst", 2, 1)
    assert loaded(engine, ChildResponse.response_id, ChildResponse.period, ChildResponse.school, ChildResponse.area,
                  ChildResponse.school_group, ChildResponse.feels_safe, ChildResponse.knows_where_to_go,
                  ChildResponse.enjoyment, ChildResponse.idea) == [
        ("1", "2024-2025-H1", "CKC de Klister", "Nieuw-Buinen", 6, "Ja", "Ja", 4, "<b>meer voetbal</b>"),
        ("2", "2024-2025-H2", "School 59", "Nieuw-Buinen", 7, "Een beetje", "Nee", 5, None),
    ]
    [failure] = failed_rows(engine)
    assert failure.reasons == [
        ("Ik voel me veilig bij de activiteiten", "misschien", "antwoord is niet toegestaan; toegestaan zijn: Ja, Een beetje, Nee"),
        ("Hoe leuk vond je de activiteiten?", "6", "moet tussen 1 en 5 liggen"),
    ]
    with engine.connect() as conn:
        raw = json.loads(conn.execute(select(QuarantinedRow.raw)).scalar())
    assert "Naam" not in raw and "E-mail" not in raw
    assert "Piet Klaassen" not in json.dumps(raw)


def test_google_forms_parent_survey(engine, backpack, tmp_path):
    rows = [["Tijdstempel", "Op welke school zit uw kind?", "Mijn kind voelt zich veilig bij de activiteiten",
             "Ik weet waar ik terecht kan met een klacht", "Hoe tevreden bent u over het aanbod?", "Opmerkingen"],
            ["14-11-2024 19:32:05", "OBS de Westhoek", "5", "Ja", "4", "Fijn dat het er is!"],
            ["2-12-2024 8:03", "Westhoek", "2", "nee", "", ""]]
    result = ingest_file(engine, backpack, write_csv(tmp_path / "ouders.csv", rows, ","), KEY)
    assert (result.source, result.rows_loaded) == ("oudervragenlijst", 2)
    assert loaded(engine, ParentResponse.submitted_at, ParentResponse.area, ParentResponse.feels_safe,
                  ParentResponse.knows_where_to_complain, ParentResponse.satisfaction, ParentResponse.remark) == [
        (dt.datetime(2024, 11, 14, 19, 32, 5), "2e Exloërmond", 5, "Ja", 4, "Fijn dat het er is!"),
        (dt.datetime(2024, 12, 2, 8, 3), "2e Exloërmond", 2, "Nee", None, None),
    ]


def test_staff_feedback_and_complaints(engine, backpack, tmp_path):
    feedback = [["Tijdstempel", "Rol", "Datum activiteit", "Dorp", "Groepssfeer", "Samenwerking", "Opmerkingen"],
                ["12-09-2024 18:00", "Begeleider", "12-09-2024", "Valthermond", "4", "5", "Rustige groep"],
                ["12-09-2024 18:05", "ouder", "12-09-2024", "Valthermond", "4", "5", ""]]
    result = ingest_file(engine, backpack, write_csv(tmp_path / "feedback.csv", feedback, ",", "utf-8-sig"), KEY)
    assert (result.source, result.rows_loaded, result.rows_quarantined) == ("begeleidersfeedback", 1, 1)
    assert loaded(engine, StaffFeedback.role, StaffFeedback.activity_date, StaffFeedback.group_atmosphere) == [
        ("begeleider", dt.date(2024, 9, 12), 4)]
    complaints = [["Datum", "Dorp", "Categorie", "Omschrijving", "Status"],
                  ["01-10-2024", "Nieuw-Buinen", "Interactie", "Begeleider was kortaf", "afgehandeld"]]
    assert ingest_file(engine, backpack, write_csv(tmp_path / "klachten.csv", complaints), KEY).source == "klachten"
    assert loaded(engine, Complaint.complaint_date, Complaint.category, Complaint.status, Complaint.period) == [
        (dt.date(2024, 10, 1), "interactie", "afgehandeld", "2024-2025-H1")]


def test_pupil_counts(engine, backpack, tmp_path):
    header = ["Schooljaar", "School"] + [f"Groep {g}" for g in range(1, 9)]
    rows = [header, ["2024-2025", "School 75", 20, 21, 22, 23, 24, 25, 26, 27],
            ["2024/2025", "CKC Rehoboth", 10, 11, 12, 13, 14, 15, 16, -1]]
    result = ingest_file(engine, backpack, write_xlsx(tmp_path / "leerlingen.xlsx", rows), KEY)
    assert (result.source, result.rows_loaded, result.rows_quarantined) == ("leerlingaantallen", 1, 1)
    assert loaded(engine, PupilCount.school_year, PupilCount.area, PupilCount.group_1, PupilCount.group_8,
                  PupilCount.period) == [("2024-2025", "Nieuw-Buinen", 20, 27, "2024-2025-H1")]
    assert failed_rows(engine)[0].reasons == [("Groep 8", "-1", "moet 0 of meer zijn")]


@pytest.mark.parametrize("amount, expected", [
    ("1234.56", "1234.56"), ("1.234,56", "1234.56"), ("€ 1.234,56", "1234.56"), ("-€ 250,00", "-250.00"),
    ("€ -12,5", "-12.50"), ("1.500", "1500.00"), ("12.50", "12.50"),
])
def test_spending_amounts_in_every_form(engine, coevorden, tmp_path, amount, expected):
    rows = [["Datum", "Wijk", "Bestedingspunt", "Omschrijving", "Bedrag"],
            ["15-03-2024", "Aalden & Zweeloo", "4", "Ouderavond", amount]]
    path = write_csv(tmp_path / "bestedingen.csv", rows, ";", "cp1252")
    assert ingest_file(engine, coevorden, path, KEY).rows_loaded == 1
    [(area, value)] = loaded(engine, Spending.area, Spending.amount)
    assert area == "Aalden en Zweeloo"
    assert Decimal(str(value)).quantize(Decimal("0.01")) == Decimal(expected)


def test_unparseable_amount_is_a_failure(engine, coevorden, tmp_path):
    rows = [["Datum", "Wijk", "Bestedingspunt", "Omschrijving", "Bedrag"],
            ["15-03-2024", "Coevorden", "5", "Iets", "twaalf euro"]]
    ingest_file(engine, coevorden, write_csv(tmp_path / "b.csv", rows), KEY)
    assert failed_rows(engine)[0].reasons == [
        ("Bedrag", "twaalf euro", "geen geldig bedrag; verwacht bijvoorbeeld 1234,56 of € 1.234,56"),
        ("Bestedingspunt", "5", "moet tussen 1 en 4 liggen"),
    ]


def test_partner_questionnaire(engine, coevorden, tmp_path):
    rows = [["Tijdstempel", "Wijk", "Organisatie", "Actie", "Voortgang", "Bereik", "Ervaringen", "Resultaten"],
            ["20-01-2025 10:00:00", "Schoonoord & De Kiel", "Bibliotheek", "Voorleesochtend", "4", "35",
             "Goed bezocht", "Meer leesplezier"]]
    result = ingest_file(engine, coevorden, write_csv(tmp_path / "partners.csv", rows, ","), KEY)
    assert (result.source, result.rows_loaded) == ("partnervragenlijst", 1)
    assert loaded(engine, PartnerResponse.area, PartnerResponse.progress, PartnerResponse.reach,
                  PartnerResponse.period) == [("Schoonoord en de Kiel", 4, 35, "2024-2025-H2")]


def test_the_pillar_of_a_partners_action_is_optional_and_spelled_as_configured(engine, coevorden, tmp_path):
    rows = [["Tijdstempel", "Wijk", "Organisatie", "Actie", "Pijler", "Voortgang", "Bereik", "Ervaringen",
             "Resultaten"],
            ["20-01-2025 10:00:00", "Coevorden Centrum", "Bibliotheek", "Mediacoach", "MEDIAWIJSHEID", "4", "35", "",
             ""],
            ["20-01-2025 11:00:00", "Coevorden Centrum", "Buurtsport", "Ouderavond", "", "3", "20", "", ""],
            ["20-01-2025 12:00:00", "Coevorden Centrum", "GGD", "Spreekuur", "Gezondheid", "3", "20", "", ""]]
    result = ingest_file(engine, coevorden, write_csv(tmp_path / "partners.csv", rows, ","), KEY)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    assert loaded(engine, PartnerResponse.action, PartnerResponse.pillar) == [("Mediacoach", "Mediawijsheid"),
                                                                              ("Ouderavond", None)]
    [failure] = failed_rows(engine)
    assert (failure.row, failure.reasons) == (4, [(
        "Pijler", "Gezondheid",
        "pijler 'Gezondheid' is door geen enkele wijk gekozen; gekozen zijn: Verbeteren lokale samenwerking, "
        "Taalvaardigheid, Ouderbetrokkenheid, Bewegend leren, Cultuur, Mediawijsheid, Bewegen, "
        "Groepsdynamiek en gedragsnormen, Motorische ontwikkeling, Geluk vergroten")])


BAD_ROWS = {  # source: (config, file rows, expected (row, column, value, reason))
    "oudervragenlijst": ("backpack", [
        ["Tijdstempel", "Op welke school zit uw kind?", "Mijn kind voelt zich veilig bij de activiteiten",
         "Ik weet waar ik terecht kan met een klacht", "Hoe tevreden bent u over het aanbod?", "Opmerkingen"],
        ["14-11-2024 19:32:05", "OBS de Westhoek", "5", "Ja", "4", ""],
        ["14-11-2024 19:40:00", "OBS de Westhoek", "7", "Ja", "4", ""]]),
    "klachten": ("backpack", [
        ["Datum", "Dorp", "Categorie", "Omschrijving", "Status"],
        ["01-10-2024", "Nieuw-Buinen", "Interactie", "Begeleider was kortaf", "afgehandeld"],
        ["02-10-2024", "Nieuw-Buinen", "Interactie", "Te druk", "misschien"]]),
    "begeleidersfeedback": ("backpack", [
        ["Tijdstempel", "Rol", "Datum activiteit", "Dorp", "Groepssfeer", "Samenwerking", "Opmerkingen"],
        ["12-09-2024 18:00", "Begeleider", "12-09-2024", "Valthermond", "4", "5", ""],
        ["12-09-2024 18:05", "ouder", "12-09-2024", "Valthermond", "4", "5", ""]]),
    "partnervragenlijst": ("coevorden", [
        ["Tijdstempel", "Wijk", "Organisatie", "Actie", "Voortgang", "Bereik", "Ervaringen", "Resultaten"],
        ["20-01-2025 10:00:00", "Schoonoord & De Kiel", "Bibliotheek", "Voorleesochtend", "4", "35", "", ""],
        ["21-01-2025 10:00:00", "Schoonoord & De Kiel", "Bibliotheek", "Voorleesmiddag", "veel", "35", "", ""]]),
}


@pytest.mark.parametrize("source", sorted(BAD_ROWS))
def test_a_bad_row_of_each_survey_names_row_column_value_and_reason(engine, request, tmp_path, source):
    config_name, rows = BAD_ROWS[source]
    result = ingest_file(engine, request.getfixturevalue(config_name), write_csv(tmp_path / f"{source}.csv", rows),
                         KEY)
    assert (result.source, result.rows_loaded, result.rows_quarantined) == (source, 1, 1)
    [failure] = failed_rows(engine)
    assert (failure.row, failure.reasons) == EXPECTED_BAD[source]


EXPECTED_BAD = {
    "oudervragenlijst": (3, [("Mijn kind voelt zich veilig bij de activiteiten", "7", "moet tussen 1 en 5 liggen")]),
    "klachten": (3, [("Status", "misschien", "antwoord is niet toegestaan; toegestaan zijn: open, afgehandeld")]),
    "begeleidersfeedback": (3, [("Rol", "ouder", "antwoord is niet toegestaan; toegestaan zijn: begeleider, "
                                                 "leerkracht")]),
    "partnervragenlijst": (3, [("Voortgang", "veel", "geen geheel getal")]),
}
