"""The demo: example deliveries for both shipped coalitions, run through the whole cycle on SQLite.

Both half-years are ingested and closed in order, so the second period's report has a trend and a
Leren section; email goes to the outbox as .eml files.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from rich.console import Console

from kansenmonitor.config import load_config
from kansenmonitor.migrate import migrate
from kansenmonitor.periods import programme_periods

ROOT = Path(__file__).resolve().parent.parent
COALITIONS = {"borger-odoorn": ROOT / "config" / "borger-odoorn.yaml", "coevorden": ROOT / "config" / "coevorden.yaml"}
DEMO_SCHOOL_YEAR = ("2024-2025-H1", "2024-2025-H2")


def run_demo(out: Path, db_url: str, console: Console) -> dict[str, Path]:
    """Generate, ingest and close; returns the report folder per coalition."""
    from flows.close_period import close_period
    from flows.ingest_inbox import ingest_inbox, write_steward_report
    from sampledata.deliveries import write_examples

    out = Path(out)
    if db_url.startswith("sqlite:///"):
        Path(db_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    shutil.rmtree(out, ignore_errors=True)
    migrate(db_url)
    inboxes = write_examples(out / "inbox")
    folders = {}
    for name, config_path in COALITIONS.items():
        config = load_config(config_path)
        inbox = inboxes[name][0].parent
        console.rule(f"{config.programme.name}")
        results = asyncio.run(ingest_inbox(str(config_path), str(inbox), db_url, demo=True, settle_seconds=0))
        read = sum(r.rows_read for r in results)
        quarantined = sum(r.rows_quarantined for r in results)
        console.print(f"{len(results)} bestanden, {read} rijen gelezen, {quarantined} in quarantaine")
        periods = [p.name for p in programme_periods(config) if p.name in DEMO_SCHOOL_YEAR]
        for period in periods:
            asyncio.run(close_period(str(config_path), period, db_url, str(out / name)))
        console.print(f"validatierapport: {write_steward_report(db_url, config, results, out / name)}")
        folders[name] = out / name
    console.rule("Klaar")
    last = DEMO_SCHOOL_YEAR[-1]
    for folder in folders.values():
        for report in sorted(folder.glob(f"reports/{last}/*.html")):
            console.print(f"rapport: {report}")
        console.print(f"indicatoren: {folder / f'indicatoren-{last}.csv'}")
        console.print(f"kwaliteitspagina: {folder / f'kwaliteit-{last}.html'}")
        console.print(f"validatierapport: {folder / 'validatie.html'}")
    console.print(f"fouten in de aanleveringen: kansenmonitor failures --db {db_url}")
    return folders

