"""The configuration: the shipped files load, and a bad file says which key is wrong and why."""

import datetime as dt

import pytest

from kansenmonitor.config import ConfigError, load_config
from kansenmonitor.periods import parse_period, period_of, programme_periods
from tests.conftest import ROOT

ROOT_CONFIG = ROOT / "config" / "borger-odoorn.yaml"


def test_shipped_backpack_config_has_the_plan(backpack):
    assert [a.name for a in backpack.areas] == ["Valthermond", "2e Exloërmond", "Nieuw-Buinen"]
    assert len(backpack.schools()) == 8
    assert backpack.area_of("  tweede exloermond ") == "2e Exloërmond"
    assert backpack.school_of("de klister") == "CKC de Klister"
    assert backpack.area_of("Emmen") is None


def test_shipped_coevorden_config_has_the_budget_table(coevorden):
    assert len(coevorden.areas) == 8
    budgets = {a.name: a.budget for a in coevorden.areas}
    assert budgets["Coevorden Centrum"] == 71221.25
    assert budgets["Steenwijksmoer en Dalerpeel"] == 10994.50
    # The plan's table states a total of EUR 239,235.50, but its rows add up to EUR 239,241.50;
    # the configuration keeps the per-wijk figures, which the spending indicator divides by.
    assert sum(budgets.values()) == pytest.approx(239241.50)


def test_periods_are_school_year_halves(backpack):
    assert [p.name for p in programme_periods(backpack)] == ["2024-2025-H1", "2024-2025-H2"]
    assert period_of(dt.date(2024, 12, 31), backpack).name == "2024-2025-H1"
    assert period_of(dt.date(2025, 1, 1), backpack).name == "2024-2025-H2"
    with pytest.raises(ValueError, match="onbekende periode '2024-H1'; de perioden van het programma zijn: 2024-2025-H1"):
        parse_period("2024-H1", backpack)


def _write(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
programme: {name: X, kind: npo, start: 2024-08-01, end: 2025-07-31}
areas: [{name: Wijk A}]
"""


def test_minimal_config_loads(tmp_path):
    config = load_config(_write(tmp_path, MINIMAL))
    assert (config.min_respondents, config.close_grace_days) == (10, 15)
    assert config.min_organisations == 1
    assert config.development_areas == ["Sport", "Cultuur", "Cognitieve ontwikkeling", "Sociale ontwikkeling",
                                        "Oriëntatie op jezelf en de wereld"]


@pytest.mark.parametrize(
    "text, message",
    [
        (MINIMAL.replace("kind: npo", "kind: subsidie"),
         "programme.kind: moet een van deze waarden zijn: 'school_en_omgeving' of 'npo' (gekregen: 'subsidie')"),
        (MINIMAL + "min_respondents: nul\n",
         "min_respondents: moet een geheel getal zijn (gekregen: 'nul')"),
        (MINIMAL + "colour: blue\n", "colour: onbekende sleutel (gekregen: 'blue')"),
        (MINIMAL.replace("areas: [{name: Wijk A}]", ""), "areas: ontbreekt (verplichte sleutel)"),
        (MINIMAL.replace("end: 2025-07-31", "end: 2024-01-01"),
         "programme: end (2024-01-01) moet na start (2024-08-01) liggen"),
        (MINIMAL + "recipients: {wethouder: [a@b.nl]}\n",
         "recipients: onbekende doelgroep ['wethouder']"),
        (MINIMAL + "close_grace_days: 0\n", "close_grace_days: moet 1 of meer zijn (gekregen: 0)"),
        (MINIMAL + "development_areas: [Sport, Techniek]\n",
         "development_areas: ['Techniek'] staat niet in themes, dus geen activiteit kan het ooit dekken"),
        (MINIMAL + "min_organisations: 0\n", "min_organisations: moet 1 of meer zijn (gekregen: 0)"),
        (MINIMAL + "close_grace_days: twee weken\n",
         "close_grace_days: moet een geheel getal zijn (gekregen: 'twee weken')"),
    ],
)
def test_bad_config_names_the_key_and_the_expectation(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_missing_and_unparseable_files(tmp_path):
    with pytest.raises(ConfigError, match="configuratiebestand niet gevonden"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match=r"geen geldige YAML \(regel 1, kolom"):
        load_config(_write(tmp_path, "programme: [unclosed"))


def test_required_sources_must_be_sources_a_school_delivers(tmp_path):
    text = (ROOT_CONFIG.read_text(encoding="utf-8")
            + "\nquality:\n  required_sources: [aanwezigheid, bestedingen]\n")
    with pytest.raises(ConfigError) as refused:
        load_config(_write(tmp_path, text))
    assert ("quality.required_sources: ['bestedingen'] is geen bron per school; kies uit ['aanwezigheid', "
            "'kindvragenlijst', 'oudervragenlijst', 'leerlingaantallen']") in str(refused.value)
