"""Checks worked out for a whole batch at once (issue 19): which rows pandera needs to see, which rows hold a value
the database cannot store, and the key digests of a batch."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

from kansenmonitor.config import SourceMapping
from kansenmonitor.db import key_hash, key_hashes
from schemas import SOURCES
from schemas.base import Source
from tasks.ingest import recognise as recognise_module
from tasks.ingest import validate
from tasks.ingest.limits import rows_beyond
from tasks.ingest.parse import PARSERS, parse_distinct
from tasks.ingest.read import DeliveryRejected, parse_sheet, read_file
from tasks.ingest.recognise import recognise
from tests.deliveries import attendance, present, write_csv, write_xlsx

KEY = b"a-deployment-key-of-at-least-32-bytes!"


def test_pandera_is_shown_the_rows_a_check_fails_and_every_row_of_a_duplicated_record():
    frame = pd.DataFrame({
        "session_date": pd.to_datetime(["2024-09-12"] * 7),
        "title": pd.Series(["Voetbal", "Voetbal", "", "Voetbal", "Voetbal", "Voetbal", "Dans"], dtype=object),
        "area": pd.Series(["Valthermond"] * 7, dtype=object),
        "school": pd.Series(["OBS de Aanloop"] * 7, dtype=object),
        "school_group": pd.Series([5, 9, 5, 5, 5, 5, 5], dtype="Int64"),
        "pupil": pd.Series(["1001", "1002", "1003", None, "1001", "1001", "1005"], dtype=object),
        "present": pd.Series([True] * 7, dtype="boolean"),
        "_key": pd.Series(["a", "b", "c", "d", "a", "a", "e"], dtype=object),
        "_file": [0, 0, 0, 0, 0, 1, 1],
    })
    # 0 and 4: one record twice in one file; 1: group 9; 2: an empty title; 3: no pupil; 5 and 6: fine (5 is the
    # same record in the next file: a new version, not a duplicate)
    assert validate._suspects(SOURCES["aanwezigheid"].checked_schema, frame).tolist() == [
        True, True, True, True, True, False, False]


def test_a_check_not_worked_out_column_at_a_time_leaves_every_row_to_pandera():
    schema = pa.DataFrameSchema({"title": pa.Column(str, pa.Check.str_matches("^V"))})
    assert validate._suspects(schema, pd.DataFrame({"title": pd.Series(["Voetbal"], dtype=object)})) is None


def test_the_failures_are_those_pandera_finds_judging_every_row(backpack, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "aanwezigheid.csv", attendance(
        present("1001"), present("1002", group="9"), present("1003", title=""), present(""), present("1001"),
        present("1004", marker="misschien"), present("1005", date="31-02-2024"), present("1006")))
    sheet = parse_sheet(read_file(path).data, ".csv")
    sheets = [(sheet, recognise(sheet, backpack, path.name))]

    def failures() -> tuple[list, list]:
        [result] = validate.validate_many(sheets, backpack, KEY, dt.date(2024, 10, 1))
        return (sorted((i, [(f.column, f.value, f.reason) for f in found]) for i, found in result.failed.items()),
                result.valid["_row"].tolist())

    bulk = failures()
    monkeypatch.setattr(validate, "_suspects", lambda schema, frame, factors=None: None)
    assert bulk == failures()
    assert [i for i, _ in bulk[0]] == [1, 2, 3, 4, 5, 6] and bulk[1] == [2, 9]


def test_the_rows_holding_a_value_the_database_cannot_store():
    frame = pd.DataFrame({
        "area": pd.Series(["Coevorden", "C" * 201, "Coevorden", None], dtype=object),
        "spending_point": pd.Series([1, 2, 2**31, None], dtype="Int64"),
        "amount": [12.5, 5.0, 5.0, 1e12],
    })
    assert rows_beyond(frame, "bestedingen").tolist() == [False, True, True, True]


def test_key_digests_of_a_batch_are_those_of_each_key():
    keys = ["2024-09-12|voetbal|valthermond|obs de aanloop|ab12", "é|ü", ""]
    assert key_hashes(keys) == [key_hash(k) for k in keys]


def test_a_list_parameter_travels_as_a_binary_array_with_every_value_intact(pg_url):
    from psycopg.adapt import PyFormat
    from psycopg.types.array import ListBinaryDumper
    from sqlalchemy import text

    from kansenmonitor.db import make_engine

    engine = make_engine(pg_url)
    keys = ['a"b', "c\\d", "{e,f}", "é|ü", "", None]
    with engine.connect() as conn:
        dumper = conn.connection.driver_connection.adapters.get_dumper(list, PyFormat.AUTO)
        back = conn.execute(text("SELECT CAST(:keys AS VARCHAR(500)[])"), {"keys": keys}).scalar()
        found = conn.execute(text("SELECT 'c\\d' = ANY(CAST(:keys AS VARCHAR(500)[]))"), {"keys": keys}).scalar()
    engine.dispose()
    assert dumper is ListBinaryDumper
    assert back == keys and found is True


def _failures(result) -> list[tuple[int, str | None, str | None, str]]:
    return [(result.row_numbers[index], f.column, f.value, f.reason)
            for index, found in sorted(result.failed.items()) for f in found]


def test_a_text_repeated_on_many_rows_fails_on_each_with_its_own_row_and_a_number_is_a_date_only_in_a_workbook(
        backpack, tmp_path):
    """Parsers judge each distinct (text, from a workbook) pair of a batch once: every row holding a failing text
    still fails with its own file, row number, column and value, and the same text `45548` is Excel's date
    13-09-2024 in the workbook and a failure in the CSV of the same batch."""
    csv_path = write_csv(tmp_path / "aanwezigheid-september.csv", attendance(
        present("1001"), present("1002", date="31-02-2024"), present("1003", group="groep 9"),
        present("1004", date="31-02-2024", marker="misschien"), present("1005", date="45548"),
        present("1006", school="OBS Onbekend"), present("1007", group="groep 9"), present("1008"),
        present("1001")))
    xlsx_path = write_xlsx(tmp_path / "aanwezigheid-oktober.xlsx", attendance(
        present("2001", date="45548"), present("2002", date="31-02-2024"), present("2003", group="groep 9"),
        present("1005", date="45548")))
    sheets = []
    for path in (csv_path, xlsx_path):
        sheet = parse_sheet(read_file(path).data, path.suffix)
        sheets.append((sheet, recognise(sheet, backpack, path.name)))

    in_csv, in_workbook = validate.validate_many(sheets, backpack, KEY, dt.date(2024, 10, 1))

    no_date = "deze datum bestaat niet"
    group = "moet tussen 1 en 8 liggen"
    assert _failures(in_csv) == [
        (3, "Datum", "31-02-2024", no_date),
        (4, "Groep", "groep 9", group),
        (5, "Datum", "31-02-2024", no_date),
        (5, "Aanwezig", "misschien", "onbekende aanwezigheidsmarkering; gebruik ja/nee, j/n, x/leeg of 1/0"),
        (6, "Datum", "45548", "een los getal is geen datum; verwacht dd-mm-jjjj, d-m-jjjj of jjjj-mm-dd (eventueel "
                              "met tijd hh:mm[:ss]) (alleen een Excel-werkmap kent datumgetallen)"),
        (7, "School", "OBS Onbekend", "onbekende school 'OBS Onbekend'; bekend zijn: OBS de Aanloop, CKC Rehoboth, "
                                      "OBS de Westhoek, CKC de Wegwijzer, OBS de Poolster, School 75, CKC de Klister, "
                                      "School 59"),
        (8, "Groep", "groep 9", group),
        (10, "Datum, Activiteit, Dorp, School, Leerling", None,
         "dubbele regel: komt al voor op rij 2 van dit bestand")]
    assert in_csv.valid["_row"].tolist() == [2, 9]
    assert _failures(in_workbook) == [(3, "Datum", "31-02-2024", no_date), (4, "Groep", "groep 9", group)]
    assert in_workbook.valid["_row"].tolist() == [2, 5]
    assert in_workbook.valid["session_date"].tolist() == [pd.Timestamp("2024-09-13")] * 2
    assert in_workbook.valid["_period"].tolist() == ["2024-2025-H1"] * 2


def test_each_parser_is_handed_each_distinct_text_of_a_batch_once(backpack, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "aanwezigheid.csv", attendance(
        *[present(str(1000 + n), date="12-09-2024" if n % 3 else "31-02-2024", group=str(1 + n % 2))
          for n in range(30)]))
    sheet = parse_sheet(read_file(path).data, ".csv")
    handed: dict[str, list[list[str]]] = {}
    for kind in ("date", "group"):
        parser = validate.PARSERS[kind]
        monkeypatch.setitem(validate.PARSERS, kind, lambda raw, _parse=parser, _kind=kind, **kw: (
            handed.setdefault(_kind, []).append(raw.tolist()), _parse(raw, **kw))[1])

    [result] = validate.validate_many([(sheet, recognise(sheet, backpack, path.name))], backpack, KEY,
                                      dt.date(2024, 10, 1))

    assert handed == {"date": [["31-02-2024", "12-09-2024"]], "group": [["1", "2"]]}
    assert sorted(result.row_numbers[i] for i in result.failed) == [2, 5, 8, 11, 14, 17, 20, 23, 26, 29]


LOOSE = ("een los getal is geen datum; verwacht dd-mm-jjjj, d-m-jjjj of jjjj-mm-dd (eventueel met tijd hh:mm[:ss]) "
         "(alleen een Excel-werkmap kent datumgetallen)")
NO_DATE = "geen geldige datum; verwacht dd-mm-jjjj, d-m-jjjj of jjjj-mm-dd (eventueel met tijd hh:mm[:ss])"


def test_each_parser_judges_a_cell_by_its_text_as_the_contract_says():
    cases = {  # parser: [(text, from a workbook, value, reason)]
        "group": [("groep 3", False, 3, None), ("Groep3", False, 3, None), ("groep", False, None, None),
                  ("3.000", False, 3000, None), ("x1", False, None, "geen groep; verwacht 1 tot en met 8"),
                  ("", False, None, None)],
        "int": [("1.234", False, 1234, None), ("+5", False, 5, None), ("-0", False, 0, None),
                ("12,5", False, None, "geen geheel getal"), ("1234567890", False, None, "geen geheel getal")],
        "date": [("12-09-2024", False, pd.Timestamp("2024-09-12"), None),
                 ("2024-9-1 10:30", False, pd.Timestamp("2024-09-01"), None),
                 ("31-02-2024", False, None, "deze datum bestaat niet"), ("45548", False, None, LOOSE),
                 ("45548", True, pd.Timestamp("2024-09-13"), None), ("12/09/2024", False, None, NO_DATE)],
        "datetime": [("2024-9-1 10:30", False, pd.Timestamp("2024-09-01 10:30"), None)],
        "marker": [("x", False, True, None), ("", False, False, None), ("J", False, True, None),
                   ("misschien", False, None, "onbekende aanwezigheidsmarkering; gebruik ja/nee, j/n, x/leeg of 1/0")],
        "yes_no": [("Ja", False, True, None), ("", False, None, None), ("x", False, None, "verwacht ja of nee"),
                   ("nee", False, False, None)],
        "text": [("Voetbal", False, "Voetbal", None), ("", False, None, None)],
    }
    for kind, cells in cases.items():
        texts = [text for text, *_ in cells] * 2  # every text twice: judged once, given to both rows
        workbook = [book for _, book, *_ in cells] * 2
        parsed = parse_distinct(PARSERS[kind], np.array(texts, dtype=object), np.array(workbook, dtype=bool))
        values = [None if pd.isna(value) else value for value in parsed.values]
        reasons = [reason if isinstance(reason, str) else None for reason in parsed.reasons]
        assert (values, reasons) == ([value for *_, value, _ in cells] * 2, [reason for *_, reason in cells] * 2), kind


def test_a_record_twice_in_one_file_is_a_duplicate_in_another_file_a_new_version():
    files = np.array([0, 0, 0, 1, 1, 2])
    keys = ["a", "b", "a", "a", "c", "c"]
    assert validate._duplicated(files, keys).tolist() == [True, False, True, False, False, False]


def test_a_configurations_headers_are_worked_out_once_for_all_the_files_of_its_inbox(backpack, tmp_path, monkeypatch):
    recognise_module._expected_for.cache_clear()  # what an earlier test with the same headers left
    worked_out = []
    headers = Source.required_headers
    monkeypatch.setattr(Source, "required_headers", lambda self, mapping: (worked_out.append(self.name),
                                                                          headers(self, mapping))[1])
    sheets = []
    for number in range(3):
        path = write_csv(tmp_path / f"aanwezigheid-{number}.csv", attendance(present(str(1000 + number))))
        sheets.append(parse_sheet(read_file(path).data, ".csv"))

    assert [recognise(sheet, backpack).source.name for sheet in sheets] == ["aanwezigheid"] * 3
    assert sorted(worked_out) == sorted(SOURCES)
    mapped = backpack.model_copy(update={"sources": {**backpack.sources,
                                                     "aanwezigheid": SourceMapping(columns={"pupil": "Leerlingnummer"})}})
    with pytest.raises(DeliveryRejected, match="mist de kolommen: Leerlingnummer"):
        recognise(sheets[0], mapped)  # another configuration: its own headers
    assert len(worked_out) == 2 * len(SOURCES)
