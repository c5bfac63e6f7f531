"""The steward's validation report of an ingest: per file what was read, loaded and quarantined, and why."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kansenmonitor.config import Config
from reports.render import environment

STATUS_TEXT = {"loaded": "verwerkt", "duplicate": "al eerder aangeleverd", "rejected": "geweigerd"}


def write_validation_report(config: Config, results: list, failed: list, out_dir: Path) -> Path:
    """Write `out_dir/validatie.html` from an ingest's results (`tasks.ingest.files.IngestResult`) and the
    coalition's failed rows (`tasks.ingest.failures.FailedRow`, corrected ones included), linking the Data Docs
    the quality gate wrote under `out_dir` (directly, or one folder per period)."""
    delivered = {r.delivery_id: r.file for r in results if r.status == "loaded"}
    failures = {name: [] for name in delivered.values()}
    for row in failed:
        if row.delivery_id in delivered:
            failures[delivered[row.delivery_id]].append(row)
    out_dir = Path(out_dir)
    data_docs = {index.parent.parent.name if index.parent.parent != out_dir else "periode": index.relative_to(out_dir)
                 for index in sorted([*out_dir.glob("data-docs/index.html"), *out_dir.glob("*/data-docs/index.html")])}
    html = environment.get_template("validation.html.j2").render(
        programme=config.programme.name, generated=f"{dt.datetime.now():%d-%m-%Y %H:%M}", deliveries=results,
        failures=failures, status_text=STATUS_TEXT,
        data_docs={name: path.as_posix() for name, path in data_docs.items()})
    target = Path(out_dir) / "validatie.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    return target
