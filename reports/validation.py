"""The steward's validation report of an ingest: per file what was read, loaded and quarantined, and why."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kansenmonitor.config import Config
from kansenmonitor.dutch import DELIVERY_STATUS
from reports.quality_page import PAGE_PREFIX
from reports.templates import environment


def write_validation_report(config: Config, results: list, failed: list, out_dir: Path) -> Path:
    """Write `out_dir/validatie.html` from an ingest's results (`tasks.ingest.files.IngestResult`) and the
    coalition's failed rows (`tasks.ingest.failures.FailedRow`, corrected ones included), linking the quality
    pages the gate wrote in `out_dir`, one per period."""
    failures = {r.delivery_id: [] for r in results if r.status == "loaded"}  # a correction workbook: one per sheet
    for row in failed:
        if row.delivery_id in failures:
            failures[row.delivery_id].append(row)
    out_dir = Path(out_dir)
    pages = {page.relative_to(out_dir).as_posix(): page.stem.removeprefix(PAGE_PREFIX)
             for page in sorted(out_dir.glob(f"{PAGE_PREFIX}*.html"))}
    html = environment.get_template("validation.html.j2").render(
        programme=config.programme.name, generated=f"{dt.datetime.now():%d-%m-%Y %H:%M}", deliveries=results,
        failures=failures, status_text=DELIVERY_STATUS, quality_pages=pages)
    target = Path(out_dir) / "validatie.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    return target

