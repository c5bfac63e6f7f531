"""`explain`: the delivered rows behind an indicator value, on the hand-worked scenario of test_indicators.

Row numbers are spreadsheet rows, the header being row 1. In `aanwezigheid.csv`: S0 2-11, S00 12-15,
S1 16-28 (present 16-26), S2 29-40 (present 29-37), S3 41-47, S4 48-51 (d01 of School D on 51).
"""

from __future__ import annotations

import pytest

from kansenmonitor.periods import parse_period
from tasks.indicators.lineage import LineageRow, explain
from tests.test_indicators import H1, H2, insert_scenario, scenario_config


@pytest.fixture
def config():
    return scenario_config()


@pytest.fixture
def lineage(engine, config):
    insert_scenario(engine)

    def lineage_of(indicator: str, scope_name: str, period: str = H2) -> list[tuple]:
        rows = explain(engine, config, indicator, parse_period(period, config), scope_name)
        return [(r.file, r.sheet, r.rows_text, r.count) for r in rows]

    return lineage_of


def test_a_village_rests_on_the_registrations_of_its_sessions(lineage):
    assert lineage("deelnemers", "Zuid") == [("aanwezigheid.csv", None, "41-51", 11)]
    assert lineage("deelnemers", "school d") == [("aanwezigheid.csv", None, "51", 1)]


def test_a_cumulative_indicator_rests_on_every_period_so_far_and_never_on_superseded_rows(lineage):
    assert lineage("aanbod_onderbouw", "Noord") == [("aanwezigheid.csv", None, "2-11, 16-26, 29-37", 30)]
    assert lineage("besteding", "Noord") == [("bestedingen.csv", None, "2-5", 4)]


def test_a_bestedingspunt_rests_on_its_own_bookings_only(lineage):
    assert lineage("besteding_punt_1", "Noord") == [("bestedingen.csv", None, "2, 4-5", 3)]


def test_the_supervisor_register_is_the_one_that_stood_at_the_period_end(lineage):
    assert lineage("vog_dekking", "Kansen Testdorp", H1) == [("begeleiders_2024.xlsx", None, "2-3, 5", 3)]
    assert lineage("vog_dekking", "kansen-testdorp") == [("begeleiders_2025.xlsx", None, "2-3, 5-6", 4)]


def test_reach_rests_on_the_children_present_and_the_pupil_counts(lineage):
    assert lineage("bereik", "Oost") == [("aanwezigheid.csv", None, "51", 1), ("leerlingaantallen.csv", None, "4", 1)]


def test_a_survey_share_names_the_sheet_and_leaves_out_unanswered_questions(lineage):
    assert lineage("klachtweg_kinderen", "School C") == [("kindvragenlijst.xlsx", "Form1", "13-17", 5)]


@pytest.mark.parametrize("indicator, scope_name, message", [
    ("veiligheid", "Noord", "onbekende indicator 'veiligheid'"),
    ("deelnemers", "Nergens", "'Nergens' is niet de coalitie (Kansen Testdorp), een dorp of een school"),
    ("aanbod_onderbouw", "School A", "aanbod_onderbouw heeft geen waarde voor School A in 2024-2025-H2"),
    ("vog_dekking", "Noord", "vog_dekking heeft geen waarde voor Noord in 2024-2025-H2"),
])
def test_what_has_no_value_is_refused_with_the_reason(lineage, indicator, scope_name, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        lineage(indicator, scope_name)


def test_row_numbers_read_as_ranges():
    assert LineageRow("f.csv", None, (2, 3, 4, 9, 11, 12)).rows_text == "2-4, 9, 11-12"
