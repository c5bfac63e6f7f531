"""The steward's validation report: every file's reconciliation and every reason, with delivered text inert."""

from __future__ import annotations

from reports.validation import write_validation_report
from tasks.ingest.failures import failed_rows
from tasks.ingest.files import ingest_file
from tests.deliveries import planning, session, write_csv

KEY = b"test-key"


def test_report_reconciles_each_file_and_escapes_delivered_text(engine, backpack, tmp_path):
    good = ingest_file(engine, backpack, write_csv(tmp_path / "planning.csv", planning(
        session(), session(title="<script>alert(1)</script>", area="<b>Emmen</b>"))), KEY)
    bad = ingest_file(engine, backpack, write_csv(tmp_path / "lijst.csv", [["Naam", "Leeftijd"], ["x", "9"]]), KEY)
    again = ingest_file(engine, backpack, tmp_path / "planning.csv", KEY)

    html = write_validation_report(backpack, [good, bad, again],
                                   failed_rows(engine, backpack.slug, include_resolved=True), tmp_path / "out").read_text("utf-8")

    assert "2 rijen gelezen = 1 geladen + 1 in quarantaine." in html
    # the same word for a status as the command line and the log use
    assert '<td style="padding: 4px;">geladen</td>' in html
    assert "&lt;b&gt;Emmen&lt;/b&gt;" in html and "<b>Emmen</b>" not in html
    assert "<script>" not in html
    assert "dorp &#39;&lt;b&gt;Emmen&lt;/b&gt;&#39; is onbekend" in html
    assert "Het bestand is in zijn geheel geweigerd: bron niet herkend" in html
    assert "dit bestand is al eerder aangeleverd; er verandert niets" in html
