"""Flow: close a measurement period — indicators, reports, email."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_table_artifact
from sqlalchemy import Engine

from flows.artifacts import cell, indicator_table
from flows.hooks import notify_steward
from flows.retries import retry_policy
from flows.schedule import scheduled_close, today
from kansenmonitor.config import AUDIENCES, Config, load_config
from kansenmonitor.db import database
from kansenmonitor.migrate import migrate
from kansenmonitor.periods import Period, parse_period
from reports.build import Report, build_reports
from reports.quality_page import write_quality_page
from tasks.deliver.mail import Dispatch, ReportsNotSent, send_reports
from tasks.deliver.report_data import read_publication
from tasks.indicators.compute import (
    Closing,
    IndicatorRow,
    compute_indicators,
    compute_many,
    read_indicators,
    store_indicators,
    write_indicators_csv,
)
from tasks.quality.gate import GateResult, run_quality_gate


def judge_period(engine: Engine, config: Config, period: Period, out_dir: Path) -> GateResult:
    """The quality gate, and the steward's page of its findings under `out_dir`."""
    gate = run_quality_gate(engine, config, period)
    return replace(gate, page=write_quality_page(config, period.name, gate.findings, gate.held, Path(out_dir)))


@task(name="quality-gate", **retry_policy())
def quality_gate_task(config: Config, period: Period, db_url: str | None, out_dir: Path) -> GateResult:
    """Judge the period as a whole before anything is computed from it; writes the quality page under `out_dir`."""
    with database(db_url) as engine:
        return judge_period(engine, config, period, out_dir)


@task(name="compute-indicators", **retry_policy())
def indicators_task(config: Config, period: Period, db_url: str | None, out_dir: Path,
                    computed: bool = False) -> list[IndicatorRow]:
    """Compute and store the period's indicators; with `computed`, close-all has already computed and stored them
    for every coalition at once, so they are read (and computed here only if none were stored)."""
    with database(db_url) as engine:
        rows = read_indicators(engine, config, period) if computed else []
        if not rows:
            rows = compute_indicators(engine, config, period)
            store_indicators(engine, config, rows)
    write_indicators_csv(rows, out_dir / f"indicatoren-{period.name}.csv")
    return rows


def compute_together(closings: dict[str, tuple[str, str]], db_url: str | None) -> list[str]:
    """The indicators of many coalitions' periods (name: (configuration path, period)) computed in one go, as one
    statement per indicator for all of them, and stored per coalition; the names done. A coalition whose
    configuration or period cannot be read is left out: its own close run computes it and reports why not."""
    readable = {}
    for name, (config_path, period) in closings.items():
        try:
            config = load_config(config_path)
            readable[name] = Closing(config, parse_period(period, config))
        except (OSError, ValueError):  # a ConfigError too
            continue
    if not readable:
        return []
    with database(db_url) as engine:
        computed = compute_many(engine, list(readable.values()))
        for closing in readable.values():
            store_indicators(engine, closing.config, computed[closing.config.slug])
    return list(readable)


def make_reports(db_url: str | None, config: Config, period: Period, out_dir: Path,
                 audiences: list[str] | None = None) -> list[Report]:
    """Read what the period publishes and render the reports of `audiences` (all by default)."""
    wanted = list(audiences or AUDIENCES)
    unknown = [a for a in wanted if a not in AUDIENCES]
    if unknown:
        raise ValueError(f"onbekende doelgroep '{unknown[0]}'; kies uit: {', '.join(AUDIENCES)}")
    with database(db_url) as engine:
        publication = read_publication(engine, config, period)
    return build_reports(config, period, publication, out_dir, wanted)


@task(name="build-reports", **retry_policy())
def reports_task(config: Config, period: Period, db_url: str | None, out_dir: Path) -> list[Report]:
    return make_reports(db_url, config, period, out_dir)


@task(name="send-reports", **retry_policy())
def send_task(config: Config, period: Period, db_url: str | None, out_dir: Path,
              reports: list[Report]) -> list[Dispatch]:
    """A message the mail server did not take fails the task, so Prefect retries it with backoff; a retry
    sends only what is still pending."""
    with database(db_url) as engine:
        dispatches = send_reports(engine, config, period, reports, out_dir)
    unsent = [str(d) for d in dispatches if d.status == "pending"]
    if unsent:
        raise ReportsNotSent("rapporten niet verzonden: " + "; ".join(unsent))
    return dispatches


@flow(name="close-period", log_prints=True, on_failure=[notify_steward], on_crashed=[notify_steward])
async def close_period(config_path: str, period: str | None = None, db_url: str | None = None,
                       out_dir: str = "out", day: dt.date | None = None, computed: bool = False) -> dict:
    """Judge the period's data, compute its indicators, write `indicatoren-<period>.csv`, render the reports and
    send them; every period of a coalition can share `out_dir`.

    Reports the quality gate holds are built but stay unsent until `kansenmonitor release`.

    Without `period` (the daily schedule passes none) it closes the most recent ended period once the configured
    grace for late deliveries has passed, until all its reports are sent; otherwise it logs why not and stops.
    `day` stands in for today: a test, or a catch-up run as of another date. `computed`: close-all computed and
    stored the indicators of all coalitions at once beforehand (`compute_together`).

    Async, as `ingest_inbox`, only so that the end of a run does not wait for Prefect's heartbeat thread (0-1 s);
    the work inside is synchronous: call it with `asyncio.run`.
    """
    logger = get_run_logger()
    migrate(db_url)
    config = load_config(config_path)
    if period is None:
        plan = scheduled_close(config, day or today(), db_url)
        logger.info("%s", plan.reason)
        if plan.period is None:
            return {"period": None, "reason": plan.reason}
        period = plan.period.name
    closing = parse_period(period, config)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gate = quality_gate_task(config, closing, db_url, out)
    await acreate_table_artifact(
        table=[{"controle": cell(f.check), "onderdeel": cell(f.scope), "blokkerend": "ja" if f.blocking else "nee",
                "bevinding": cell(f.detail)} for f in gate.problems]
        or [{"controle": "alle", "bevinding": "geen bevindingen"}],
        key=f"kwaliteit-{config.slug}", description=f"Kwaliteitscontrole {period}; kwaliteitspagina: {gate.page}")
    logger.info("kwaliteitscontrole: %s bevindingen, kwaliteitspagina: %s", len(gate.problems), gate.page)
    if gate.held:
        logger.warning("de rapporten van %s worden tegengehouden tot de datasteward ze vrijgeeft: "
                       "kansenmonitor release --config %s --period %s", period, config_path, period)
    rows = indicators_task(config, closing, db_url, out, computed)
    await acreate_table_artifact(table=indicator_table(rows), key=f"indicatoren-{config.slug}",
                                 description=f"Indicatoren {period}")
    dispatches = send_task(config, closing, db_url, out, reports_task(config, closing, db_url, out))
    logger.info("%s indicatoren berekend, %s rapporten verstuurd of klaargezet", len(rows), len(dispatches))
    return {"period": period, "indicators": rows, "dispatches": dispatches, "quality": gate, "out": str(out)}
