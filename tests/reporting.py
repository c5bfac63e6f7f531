"""Rendering a period's reports from a test's database, as the close does (read, then render)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from kansenmonitor.config import Config
from kansenmonitor.periods import Period, parse_period
from reports.build import Report, build_reports
from tasks.deliver.report_data import read_publication


def render_reports(engine: Engine, config: Config, period: Period | str, out_dir: Path,
                   audiences: list[str] | None = None) -> list[Report]:
    period = parse_period(period, config) if isinstance(period, str) else period
    return build_reports(config, period, read_publication(engine, config, period), out_dir, audiences)
