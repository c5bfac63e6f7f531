"""All coalitions of a period at once: one statement per mart for every coalition gives exactly the figures each
coalition gets on its own, on PostgreSQL and SQLite, and close-all's children read what the parent computed.

Three coalitions share the database: Backpack and Coevorden with their example deliveries, and a copy of Backpack
under another name with the same villages and schools but only the first half-year's files, so a statement that
mixed coalitions up would count the copy's rows for Backpack (or Backpack's for the copy).
"""

from __future__ import annotations

import pytest

from flows.close_period import compute_together, indicators_task
from kansenmonitor.config import Config
from kansenmonitor.periods import parse_period
from sampledata.deliveries import write_examples
from tasks.indicators.compute import Closing, compute_indicators, compute_many, read_indicators
from tasks.indicators.models import statement
from tasks.ingest.files import ingest_files
from tests.conftest import ROOT

KEY = b"test-key-for-the-set-based-tests!"
H1, H2 = "2024-2025-H1", "2024-2025-H2"


def twin_of(config: Config, name: str) -> Config:
    return config.model_copy(update={"programme": config.programme.model_copy(update={"name": name})})


@pytest.fixture
def three_coalitions(engine, backpack, coevorden, tmp_path) -> list[Config]:
    written = write_examples(tmp_path / "examples")
    twin = twin_of(backpack, "Backpack Tweeling")
    ingest_files(engine, backpack, written["borger-odoorn"], KEY)
    ingest_files(engine, coevorden, written["coevorden"], KEY)
    ingest_files(engine, twin, [p for p in written["borger-odoorn"] if H2 not in p.name], KEY)
    return [backpack, coevorden, twin]


@pytest.mark.parametrize("period", [H1, H2])
def test_all_coalitions_at_once_equal_each_on_its_own(engine, three_coalitions, period):
    backpack, coevorden, twin = three_coalitions
    together = compute_many(engine, [Closing(c, parse_period(period, c)) for c in three_coalitions])
    for config in three_coalitions:
        alone = compute_indicators(engine, config, parse_period(period, config))
        assert together[config.slug] == alone
    # Both halves were delivered for Backpack, only the first for its twin: in H2 the twin has no attendance at all
    # and keeps its H1 figure as the previous value, while Backpack has children present in every village.
    figures = {(c.slug, r.indicator, r.scope_name): r for c in three_coalitions for r in together[c.slug]}
    deelnemers = {c.slug: figures[(c.slug, "deelnemers", c.programme.name)] for c in (backpack, twin)}
    if period == H1:
        assert deelnemers[backpack.slug].value == deelnemers[twin.slug].value > 0
    else:
        assert deelnemers[twin.slug].value is None
        assert deelnemers[backpack.slug].value > 0
        assert deelnemers[twin.slug].previous_value == figures[(backpack.slug, "deelnemers",
                                                                backpack.programme.name)].previous_value
    assert {r.indicator for r in together[coevorden.slug]} >= {"besteding", "voortgang_partners", "pijlerdekking"}
    assert not {r.indicator for r in together[coevorden.slug]} & {"deelnemers", "bereik"}


def test_the_close_all_parent_computes_and_each_child_reads_its_own(db_url, engine, three_coalitions, tmp_path):
    backpack, coevorden, twin = three_coalitions
    broken = tmp_path / "kapot.yaml"
    broken.write_text("programme: [\n", encoding="utf-8")
    done = compute_together({"borger-odoorn": (str(ROOT / "config" / "borger-odoorn.yaml"), H2),
                             "coevorden": (str(ROOT / "config" / "coevorden.yaml"), H2),
                             "kapot": (str(broken), H2)}, db_url)
    # The unreadable configuration is left to its own close run, which reports why; the others are stored.
    assert done == ["borger-odoorn", "coevorden"]
    for config in (backpack, coevorden):
        period = parse_period(H2, config)
        expected = compute_indicators(engine, config, period)
        assert read_indicators(engine, config, period) == expected
        computed, read = tmp_path / config.slug / "computed", tmp_path / config.slug / "read"
        indicators_task.fn(config, period, db_url, computed)
        indicators_task.fn(config, period, db_url, read, computed=True)
        assert (read / f"indicatoren-{H2}.csv").read_bytes() == (computed / f"indicatoren-{H2}.csv").read_bytes()
    # The twin was not in this close: nothing of it was stored, so its child would compute its own.
    assert read_indicators(engine, twin, parse_period(H2, twin)) == []


def test_marts_grouped_per_scope_read_each_row_once_for_all_its_scopes():
    """The marts grouped per scope take each fact row once for all its scopes (GROUPING SETS on PostgreSQL, one
    grouping per kind of scope on SQLite) instead of joining every row to the scopes it counts for, three times
    over; a mart with a pairing of its own (bereik, besteding, ...) keeps the join."""
    one_pass = {"deelnemers", "opkomst", "aanbod_onderbouw", "veiligheid_kinderen", "klachtweg_kinderen",
                "veiligheid_ouders", "klachtweg_ouders", "groepssfeer", "themamix", "extra_aanbod", "ideeen",
                "klachten_interactie", "voortgang_partners"}
    for mart in one_pass:
        postgres, _ = statement(mart, "postgresql")
        sqlite, _ = statement(mart, "sqlite")
        assert "population_in_scope" not in postgres.text and "population_in_scope" not in sqlite.text, mart
        assert "GROUPING SETS" in postgres.text and "GROUPING SETS" not in sqlite.text, mart
    assert "population_in_scope" in statement("bereik", "postgresql")[0].text
