"""Flow: close a measurement period — indicators, reports, email."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact

from kansenmonitor.config import load_config
from kansenmonitor.db import make_engine
from kansenmonitor.migrate import migrate
from kansenmonitor.periods import parse_period
from tasks.indicators import IndicatorRow, compute_indicators, store_indicators, write_indicators_csv
from tasks.mail import send_reports
from tasks.report import build_reports


@task(name="compute-indicators", retries=2, retry_delay_seconds=[5, 30])
def indicators_task(config_path: str, period: str, db_url: str | None, out_dir: Path) -> list[IndicatorRow]:
    config = load_config(config_path)
    engine = make_engine(db_url)
    try:
        rows = compute_indicators(engine, config, parse_period(period, config))
        store_indicators(engine, config, rows)
    finally:
        engine.dispose()
    write_indicators_csv(rows, out_dir / "indicators.csv")
    return rows


@task(name="build-and-send-reports", retries=2, retry_delay_seconds=[10, 60])
def reports_task(config_path: str, period: str, db_url: str | None, out_dir: Path) -> list:
    config = load_config(config_path)
    engine = make_engine(db_url)
    try:
        reports = build_reports(engine, config, parse_period(period, config), out_dir)
        return send_reports(engine, config, parse_period(period, config), reports, out_dir)
    finally:
        engine.dispose()


@flow(name="close-period", log_prints=True)
def close_period(config_path: str, period: str, db_url: str | None = None, out_dir: str = "out") -> dict:
    """Compute the period's indicators, write `indicators.csv`, render the reports and send them."""
    logger = get_run_logger()
    migrate(db_url)
    config = load_config(config_path)
    parse_period(period, config)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = indicators_task(config_path, period, db_url, out)
    create_table_artifact(
        table=[{k: getattr(r, k) for k in ("indicator", "scope", "scope_name", "value", "target", "status")}
               for r in rows],
        key=f"indicatoren-{config.slug}", description=f"Indicatoren {period}")
    dispatches = reports_task(config_path, period, db_url, out)
    logger.info("%s indicatoren berekend, %s rapporten verstuurd of klaargezet", len(rows), len(dispatches))
    return {"indicators": rows, "dispatches": dispatches, "out": str(out)}
