"""Ingesting real files: every variant of the contract accepted, every bad row quarantined with its reason."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from kansenmonitor.db import ActivitySession, Attendance, Delivery, QuarantinedRow, Supervisor
from tasks.ingest.failures import failed_rows
from tasks.ingest.files import ingest_file
from tests.deliveries import attendance, excel_date, planning, present, session, write_csv, write_xlsx

KEY = b"test-key"


def ingest(engine, config, path, when=None):
    return ingest_file(engine, config, path, KEY, received=when)


def reasons(engine, file):
    return [(r.row, column, value, reason) for r in failed_rows(engine, file=file)
            for column, value, reason in r.reasons]


def count(engine, model, current_only=True):
    query = select(func.count()).select_from(model)
    if current_only:
        query = query.where(model.superseded_by.is_(None))
    with engine.connect() as conn:
        return conn.execute(query).scalar()


@pytest.mark.parametrize("separator", [";", ",", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_in_every_separator_and_encoding(sqlite_url, backpack, tmp_path, separator, encoding):
    from kansenmonitor.db import make_engine
    from kansenmonitor.migrate import migrate

    migrate(sqlite_url)
    engine = make_engine(sqlite_url)
    path = write_csv(tmp_path / "planning.csv", planning(session(area="2e Exloërmond"), session(area="Tweede Exloermond", title="Dans")),
                     separator, encoding)
    result = ingest(engine, backpack, path)
    assert (result.status, result.source, result.rows_loaded, result.rows_quarantined) == ("loaded", "activiteiten", 2, 0)
    with engine.connect() as conn:
        assert set(conn.execute(select(ActivitySession.area)).scalars()) == {"2e Exloërmond"}


def test_xlsx_with_title_line_excel_dates_and_stray_spaces(engine, backpack, tmp_path):
    rows = [[" Datum ", "Activiteit", "Dorp ", "Doelgroep", "Thema 1", "Thema 2", "Soort", "Begeleiders", None],
            [excel_date("12-09-2024"), " Voetbal ", "valthermond", "5-8", "sport", "Cultuur", "Vast", 3, None],
            ["13-9-2024", "Dans", "NIEUW-BUINEN", "1-4", "Cultuur", None, "eenmalig", 2, None],
            ["2024-09-14 16:30", "Koken", "Nieuw Buinen", "5-8", "Cultuur", "Sport", "10-weeks", 0, None],
            [45560, "Toneel", "Valthermond", "5-8", "Cultuur", "Sport", "vast", 1, None],
            [None] * 9, [None] * 9]
    path = write_xlsx(tmp_path / "jaarplanning.xlsx", rows, title="Jaarplanning Backpack 2024-2025")
    result = ingest(engine, backpack, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 4, 0)
    with engine.connect() as conn:
        loaded = conn.execute(select(ActivitySession.session_date, ActivitySession.title, ActivitySession.area,
                                     ActivitySession.theme_1, ActivitySession.theme_2, ActivitySession.kind,
                                     ActivitySession.source_row).order_by(ActivitySession.source_row)).all()
    assert loaded == [
        (dt.date(2024, 9, 12), "Voetbal", "Valthermond", "Sport", "Cultuur", "vast", 4),
        (dt.date(2024, 9, 13), "Dans", "Nieuw-Buinen", "Cultuur", None, "eenmalig", 5),
        (dt.date(2024, 9, 14), "Koken", "Nieuw-Buinen", "Cultuur", "Sport", "10-weeks", 6),
        (dt.date(2024, 9, 25), "Toneel", "Valthermond", "Cultuur", "Sport", "vast", 7),
    ]


@pytest.mark.parametrize("markers, expected", [
    (("ja", "nee"), [True, False]), (("j", "n"), [True, False]), (("x", ""), [True, False]),
    (("1", "0"), [True, False]), (("JA", "Nee"), [True, False]),
])
def test_every_presence_marker(engine, backpack, tmp_path, markers, expected):
    ingest(engine, backpack, write_csv(tmp_path / "p.csv", planning(session())))
    path = write_csv(tmp_path / "a.csv", attendance(present("1001", marker=markers[0], group="groep 5"),
                                                    present("1002", marker=markers[1], group="Groep 6")))
    assert ingest(engine, backpack, path).rows_loaded == 2
    with engine.connect() as conn:
        rows = conn.execute(select(Attendance.present, Attendance.school_group, Attendance.pupil)
                            .order_by(Attendance.source_row)).all()
    assert [r.present for r in rows] == expected
    assert [r.school_group for r in rows] == [5, 6]
    assert all(len(r.pupil) == 64 and r.pupil not in ("1001", "1002") for r in rows)


def test_bad_rows_are_quarantined_with_exact_reason_and_row_number(engine, backpack, tmp_path):
    rows = planning(
        session(),                                               # row 4: fine
        session(date="31-02-2025", title="Dans"),                # row 5: impossible date
        session(date="2024/09/13", title="Zang"),                # row 6: unknown date form
        session(area="Emmen", title="Hockey"),                   # row 7: unknown village
        session(theme_1="Koken", title="Bakken"),                # row 8: theme not in the catalogue
        session(group="3-4", title="Knutselen"),                 # row 9: not an allowed answer
        session(supervisors="twee", title="Lezen"),              # row 10: not a whole number
        session(supervisors=-1, title="Rekenen"),                # row 11: out of range
        session(title="voetbal"),                                # row 12: duplicate of row 4
        session(date="12-09-2023", title="Vorig jaar"),          # row 13: outside the programme's run
        session(title=""),                                       # row 14: required field empty
    )
    path = write_csv(tmp_path / "planning.csv", [["Jaarplanning"], [], *rows])
    result = ingest(engine, backpack, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (11, 1, 10)
    assert reasons(engine, "planning.csv") == [
        (5, "Datum", "31-02-2025", "deze datum bestaat niet"),
        (6, "Datum", "2024/09/13", "geen geldige datum; verwacht dd-mm-jjjj, d-m-jjjj of jjjj-mm-dd "
                                  "(eventueel met tijd hh:mm[:ss])"),
        (7, "Dorp", "Emmen", "dorp 'Emmen' is onbekend; bekend zijn: Valthermond, 2e Exloërmond, Nieuw-Buinen"),
        (8, "Thema 1", "Koken", "thema 'Koken' staat niet in de themacatalogus (Sport, Cultuur, Cognitieve "
                                "ontwikkeling, Sociale ontwikkeling, Oriëntatie op jezelf en de wereld, "
                                "Beroepen en ondernemen)"),
        (9, "Doelgroep", "3-4", "antwoord is niet toegestaan; toegestaan zijn: 1-4, 5-8"),
        (10, "Begeleiders", "twee", "geen geheel getal"),
        (11, "Begeleiders", "-1", "moet 0 of meer zijn"),
        (12, "Datum, Activiteit, Dorp", None, "dubbele regel: komt al voor op rij 4 van dit bestand"),
        (13, "Datum", "12-09-2023", "datum valt buiten de looptijd van het programma (01-08-2024 t/m 31-07-2025)"),
        (14, "Activiteit", None, "verplicht veld is leeg"),
    ]
    with engine.connect() as conn:
        stored = conn.execute(select(QuarantinedRow.raw).where(QuarantinedRow.row_number == 5)).scalar()
    assert json.loads(stored) == {"Datum": "31-02-2025", "Activiteit": "Dans", "Dorp": "Valthermond",
                                  "Doelgroep": "5-8", "Thema 1": "Sport", "Thema 2": "Cultuur", "Soort": "vast",
                                  "Begeleiders": "3"}


def test_a_cell_too_long_for_any_key_is_quarantined_not_fatal(engine, backpack, tmp_path):
    """The natural key of a row holds its title; a 4,000-character title must not break the file's load."""
    long_title = "Circus " * 600
    path = write_csv(tmp_path / "planning.csv", planning(session(), session(title=long_title)))
    result = ingest(engine, backpack, path)
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 1, 1)
    [(row, column, value, reason)] = reasons(engine, "planning.csv")
    assert (row, column, value.strip(), reason) == (
        3, "Activiteit", long_title.strip(), "mag niet leeg zijn en hoogstens 300 tekens hebben")


def test_attendance_must_refer_to_a_planned_session(engine, backpack, tmp_path):
    ingest(engine, backpack, write_csv(tmp_path / "p.csv", planning(session())))
    path = write_csv(tmp_path / "a.csv", attendance(present("1"), present("2", date="19-09-2024"),
                                                    present("1", marker="n"), present("3", school="De Kleine Prins")))
    result = ingest(engine, backpack, path)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 3)
    assert reasons(engine, "a.csv") == [
        (3, "Datum, Activiteit, Dorp", "19-09-2024 Voetbal Valthermond",
         "deze sessie staat niet in de activiteitenplanning; lever eerst de planning aan of corrigeer datum, "
         "activiteit of dorp"),
        (4, "Datum, Activiteit, Dorp, School, Leerling", None, "dubbele regel: komt al voor op rij 2 van dit bestand"),
        (5, "School", "De Kleine Prins", "onbekende school 'De Kleine Prins'; bekend zijn: OBS de Aanloop, "
                                         "CKC Rehoboth, OBS de Westhoek, CKC de Wegwijzer, OBS de Poolster, "
                                         "School 75, CKC de Klister, School 59"),
    ]


def test_same_file_twice_changes_nothing(engine, backpack, tmp_path):
    path = write_csv(tmp_path / "p.csv", planning(session(), session(date="31-02-2025")))
    first = ingest(engine, backpack, path)
    second = ingest(engine, backpack, path)
    assert (first.status, second.status) == ("loaded", "duplicate")
    assert second.message == "dit bestand is al eerder aangeleverd; er verandert niets"
    assert count(engine, ActivitySession, current_only=False) == 1
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Delivery)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(QuarantinedRow)).scalar() == 1


def test_corrected_version_supersedes_and_keeps_history(engine, backpack, tmp_path):
    ingest(engine, backpack, write_csv(tmp_path / "p.csv", planning(session(supervisors=2), session(date="31-02-2025"))))
    assert len(failed_rows(engine)) == 1
    (tmp_path / "v2").mkdir()
    corrected = write_csv(tmp_path / "v2" / "p.csv", planning(session(supervisors=4), session(date="28-02-2025")))
    assert ingest(engine, backpack, corrected).rows_loaded == 2
    with engine.connect() as conn:
        current = conn.execute(select(ActivitySession.supervisors).where(ActivitySession.superseded_by.is_(None))
                               .order_by(ActivitySession.session_date)).scalars().all()
        history = conn.execute(select(func.count()).select_from(ActivitySession)).scalar()
    assert current == [4, 3]
    assert history == 3
    assert failed_rows(engine) == []
    assert len(failed_rows(engine, include_resolved=True)) == 1


def test_register_delivery_replaces_the_earlier_state(engine, backpack, tmp_path):
    header = ["Naam", "Organisatie", "Structureel", "VOG-datum"]
    ingest(engine, backpack, write_xlsx(tmp_path / "b1.xlsx", [header, ["Anna", "Andes", "ja", "01-03-2024"],
                                                                 ["Bas", "Andes", "ja", None]]))
    ingest(engine, backpack, write_xlsx(tmp_path / "b2.xlsx", [header, ["Anna", "Andes", "ja", "01-03-2024"],
                                                                 ["Cor", "OPO", "nee", None]]))
    with engine.connect() as conn:
        names = conn.execute(select(Supervisor.name).where(Supervisor.superseded_by.is_(None))
                             .order_by(Supervisor.name)).scalars().all()
    assert names == ["Anna", "Cor"]
    assert count(engine, Supervisor, current_only=False) == 4


def test_unrecognisable_file_names_the_closest_source_and_its_missing_columns(engine, backpack, tmp_path):
    path = write_csv(tmp_path / "aanwezig.csv", [["Datum", "Activiteit", "Dorp", "School", "Leerling"], ["1", "2", "3", "4", "5"]])
    result = ingest(engine, backpack, path)
    assert result.status == "rejected"
    assert result.message == ("bron niet herkend: het bestand lijkt het meest op 'aanwezigheid' "
                              "(aanwezigheidsregistratie), maar mist de kolommen: Groep, Aanwezig")
    with engine.connect() as conn:
        assert conn.execute(select(Delivery.status, Delivery.rejection_reason)).one() == ("rejected", result.message)


@pytest.mark.parametrize("content, message", [
    ("Datum;Dorp\n".encode("utf-16"), "bestand is in UTF-16 opgeslagen"),
    (b"\x00\x01\x02binary\x00", "bestand bevat binaire gegevens (NUL-tekens)"),
    (b"PK\x03\x04not really a zip", "bestand is geen geldig XLSX-bestand (beschadigde zip)"),
    (b"\x81\x8d\x8f\x90\x9d;x\n", "onbekende tekencodering"),
])
def test_unreadable_files_are_rejected_with_a_reason(sqlite_url, backpack, tmp_path, content, message):
    from kansenmonitor.db import make_engine
    from kansenmonitor.migrate import migrate

    migrate(sqlite_url)
    path = tmp_path / "kapot.csv"
    path.write_bytes(content)
    result = ingest(make_engine(sqlite_url), backpack, path)
    assert result.status == "rejected"
    assert message in result.message


def test_a_coalitions_own_headers_and_sheet_from_the_configuration(engine, backpack, tmp_path):
    import openpyxl

    from kansenmonitor.config import SourceMapping

    config = backpack.model_copy(update={"sources": {"activiteiten": SourceMapping(
        sheet="Planning", columns={"title": "Naam activiteit", "area": "Kern"})}})
    workbook = openpyxl.Workbook()
    workbook.active.title = "Uitleg"
    workbook.active.append(["Vul de planning in op het tweede blad."])
    sheet = workbook.create_sheet("Planning")
    header = ["Naam activiteit" if h == "Activiteit" else "Kern" if h == "Dorp" else h for h in planning()[0]]
    sheet.append(header)
    sheet.append(session(title="Judo", area="Nieuw-Buinen"))
    sheet.append(session(title="Dans", area="Emmen"))
    path = tmp_path / "planning.xlsx"
    workbook.save(path)

    result = ingest(engine, config, path)
    assert (result.source, result.rows_loaded, result.rows_quarantined) == ("activiteiten", 1, 1)
    assert reasons(engine, "planning.xlsx") == [
        (3, "Kern", "Emmen", "dorp 'Emmen' is onbekend; bekend zijn: Valthermond, 2e Exloërmond, Nieuw-Buinen")]
    with engine.connect() as conn:
        assert conn.execute(select(ActivitySession.title, ActivitySession.area)).all() == [("Judo", "Nieuw-Buinen")]
    assert ingest(engine, backpack, write_xlsx(tmp_path / "standaard.xlsx", [header, session()])).status == "rejected"


def test_files_validated_together_keep_their_own_rows_duplicates_and_reasons(engine, backpack, tmp_path):
    from tasks.ingest.files import ingest_files

    plan = write_csv(tmp_path / "planning.csv", planning(session(), session(title="Dans", theme_1="Cultuur")))
    first = write_csv(tmp_path / "aanwezigheid_a.csv", attendance(
        present("101"), present("102"), present("102"), present("103", group="negen")))
    empty = write_csv(tmp_path / "leeg.csv", [["", ""]])
    columns = [6, 5, 4, 3, 2, 1, 0]  # the same export with its columns the other way round
    second = write_xlsx(tmp_path / "aanwezigheid_b.xlsx", [[row[i] for i in columns] for row in attendance(
        present("101", marker="nee"), present("201", title="Dans"), present("202", title="Dans", marker="soms"))])

    results = ingest_files(engine, backpack, [plan, first, empty, second], KEY)

    assert [(r.file, r.status, r.rows_loaded, r.rows_quarantined) for r in results] == [
        ("planning.csv", "loaded", 2, 0), ("aanwezigheid_a.csv", "loaded", 2, 2), ("leeg.csv", "rejected", 0, 0),
        ("aanwezigheid_b.xlsx", "loaded", 2, 1)]
    assert reasons(engine, "aanwezigheid_a.csv") == [
        (4, "Datum, Activiteit, Dorp, School, Leerling", None, "dubbele regel: komt al voor op rij 3 van dit bestand"),
        (5, "Groep", "negen", "geen groep; verwacht 1 tot en met 8")]
    assert reasons(engine, "aanwezigheid_b.xlsx") == [
        (4, "Aanwezig", "soms", "onbekende aanwezigheidsmarkering; gebruik ja/nee, j/n, x/leeg of 1/0")]
    with engine.connect() as conn:  # child 101 of file a is not a duplicate in file b: b's version replaces it
        current = conn.execute(select(Attendance.title, Attendance.present).where(
            Attendance.superseded_by.is_(None)).order_by(Attendance.title, Attendance.present)).all()
    assert current == [("Dans", True), ("Voetbal", False), ("Voetbal", True)]
