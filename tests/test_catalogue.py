"""The indicator catalogue is the one place an indicator is described: adding one takes a mart file and an entry,
no Python; the docs' indicator table is derived from it."""

from __future__ import annotations

import csv
import shutil

from kansenmonitor.catalogue import DOCS_END, DOCS_START, catalogue, docs_table
from kansenmonitor.config import Goal, Target
from kansenmonitor.periods import parse_period
from tasks.indicators.compute import compute_indicators, store_indicators, write_indicators_csv
from tasks.ingest.files import ingest_file
from tests.conftest import ROOT
from tests.deliveries import planning, session, write_csv
from tests.reporting import render_reports

KEY = b"test-key-for-the-catalogue-test!"

NEW_MART = """-- Sessions held in the period, whatever their kind.
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        NULL AS school
    FROM {{ ref('stg_sessions') }}
    WHERE period = :period
)

SELECT
    scope_id,
    COUNT(source_row) AS numerator,
    NULL AS denominator,
    COUNT(source_row) AS value
FROM population_in_scope
GROUP BY scope_id
"""

NEW_ENTRY = """  activiteiten_gehouden:
    label: Gehouden activiteiten in de periode
    kind: count
    unit: activiteiten
    scopes: [coalition, area]
    suppress: none
"""


def test_an_indicator_added_as_a_mart_and_an_entry_reaches_the_csv_and_the_report(engine, backpack, tmp_path,
                                                                                    monkeypatch):
    models = tmp_path / "sql"
    shutil.copytree(ROOT / "sql", models)
    (models / "marts" / "activiteiten_gehouden.sql").write_text(NEW_MART, encoding="utf-8")
    with (models / "marts" / "indicators.yml").open("a", encoding="utf-8") as handle:
        handle.write(NEW_ENTRY)
    monkeypatch.setenv("KANSENMONITOR_MODELS", str(models))
    config = backpack.model_copy(update={
        "targets": {**backpack.targets, "activiteiten_gehouden": Target(value=3, comparison=">=")},
        "goals": [Goal(title="Genoeg activiteiten", indicators=["activiteiten_gehouden"])]})
    ingest_file(engine, config, write_csv(tmp_path / "planning.csv", planning(
        session(date="12-09-2024", area="Valthermond"), session(date="19-09-2024", area="Valthermond"),
        session(date="12-09-2024", area="Nieuw-Buinen", title="Dans"))), KEY)
    period = parse_period("2024-2025-H1", config)

    rows = compute_indicators(engine, config, period)
    store_indicators(engine, config, rows)
    write_indicators_csv(rows, tmp_path / "indicators.csv")

    with (tmp_path / "indicators.csv").open(encoding="utf-8") as handle:
        added = {(r["scope_name"], r["value"], r["status"]) for r in csv.DictReader(handle)
                 if r["indicator"] == "activiteiten_gehouden"}
    # Three sessions: two in Valthermond, one in Nieuw-Buinen; the target (at least 3) holds for each scope.
    assert {("Backpack Borger-Odoorn", "3", "met"), ("Valthermond", "2", "not_met"),
            ("Nieuw-Buinen", "1", "not_met")} <= added
    [report] = render_reports(engine, config, period, tmp_path / "out", ["stuurgroep"])
    assert "Gehouden activiteiten in de periode" in report.html
    assert "Genoeg activiteiten" in report.html


def test_the_docs_table_is_the_catalogues():
    documented = (ROOT / "sql" / "README.md").read_text(encoding="utf-8")
    assert f"{DOCS_START}\n{docs_table()}\n{DOCS_END}" in documented
    # Written out by hand for two entries, so a wrong derivation cannot pass by agreeing with itself.
    assert ("| `groepssfeer_aandeel` | Begeleiders en leerkrachten die de groepssfeer met 4 of 5 beoordelen | share "
            "| `groepssfeer` (variant `aandeel`) | coalitie, dorp/wijk | `min_respondents` | beoordelingen door "
            "begeleiders en leerkrachten |") in documented
    assert ("| `vog_dekking` | Structurele begeleiders met een geldige VOG | share | `vog_dekking` | coalitie | "
            "`min_organisations` |") in documented
    assert ("| `ontwikkelgebieden` | Ontwikkelgebieden die aan bod kwamen | coverage | `ontwikkelgebieden` | "
            "coalitie, dorp/wijk | geen |") in documented
    assert len(catalogue()) == 24
