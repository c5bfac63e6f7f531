"""The steward's validation report of an ingest: per file what was read, loaded and quarantined, and why."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Engine

from kansenmonitor.config import Config
from tasks.failures import failed_rows
from tasks.ingest import IngestResult

STATUS_TEXT = {"loaded": "verwerkt", "duplicate": "al eerder aangeleverd", "rejected": "geweigerd"}
environment = Environment(loader=PackageLoader("reports"), autoescape=select_autoescape(["html", "j2"]))


def write_validation_report(engine: Engine, config: Config, results: list[IngestResult], out_dir: Path) -> Path:
    """Write `out_dir/validatie.html`, linking the period's Data Docs when the quality gate wrote them."""
    delivered = {r.delivery_id: r.file for r in results if r.status == "loaded"}
    failures = {name: [] for name in delivered.values()}
    for row in failed_rows(engine, config.slug, include_resolved=True):
        if row.delivery_id in delivered:
            failures[delivered[row.delivery_id]].append(row)
    data_docs = Path(out_dir) / "data-docs" / "index.html"
    html = environment.get_template("validation.html.j2").render(
        programme=config.programme.name, generated=f"{dt.datetime.now():%d-%m-%Y %H:%M}", deliveries=results,
        failures=failures, status_text=STATUS_TEXT,
        data_docs="data-docs/index.html" if data_docs.exists() else None)
    target = Path(out_dir) / "validatie.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    return target
