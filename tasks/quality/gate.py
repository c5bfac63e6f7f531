"""The period's data-quality gate: pandera judged each file, this judges the period as a whole.

Runs the catalogue's suites (`tasks.quality.checks`) with Great Expectations on the loaded tables,
stores every result in `quality_result` for the report's appendix, holds the reports when the
configuration asks for it and a blocking finding exists. The steward's quality page
(`kwaliteit-<period>.html`, `reports/quality_page.py`) is written from the result by the flow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, delete, insert

from kansenmonitor.config import Config
from kansenmonitor.db import QualityResult
from kansenmonitor.dutch import plural
from kansenmonitor.periods import Period
from tasks.quality.checks import suites_for
from tasks.quality.gx import Outcome, validate
from tasks.quality.release import apply_hold


@dataclass(frozen=True, order=True)
class Finding:
    """One line of the gate for the steward: a passed check, or one problem a check found."""

    check: str
    scope: str
    passed: bool
    blocking: bool
    detail: str
    source: str = field(default="", compare=False)


@dataclass(frozen=True)
class GateResult:
    period: str
    findings: list[Finding]
    held: bool
    page: Path | None = None  # the steward's quality page, once written

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if not f.passed]

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.problems if f.blocking]


def run_quality_gate(engine: Engine, config: Config, period: Period) -> GateResult:
    """Judge the period's current rows, store the findings, hold or free the reports."""
    outcomes = validate(engine.url.render_as_string(hide_password=False),
                        suites_for(config, period, engine.dialect), run_name=period.name)
    findings = [f for outcome in outcomes for f in _findings(outcome)]
    held = _store(engine, config, period.name, findings)
    return GateResult(period.name, findings, held)


def _findings(outcome: Outcome) -> list[Finding]:
    check = outcome.check
    if not outcome.unexpected:
        return [Finding(check.name, "", True, check.blocking, check.rule, check.source)]
    found = sorted(check.explain(row) for row in outcome.rows)
    hidden = outcome.unexpected - len(found)
    if hidden:
        found.append(("", f"en nog {plural(hidden, 'bevinding', 'bevindingen')} van deze controle, niet afzonderlijk "
                          "opgehaald: los eerst de genoemde op"))
    return [Finding(check.name, scope, False, check.blocking, detail, check.source) for scope, detail in found]


def _store(engine: Engine, config: Config, period: str, findings: list[Finding]) -> bool:
    """Replace the period's results and decide the hold in one transaction; returns whether it is held."""
    now = dt.datetime.now().replace(microsecond=0)
    blocking = [f.detail for f in findings if f.blocking and not f.passed]
    reason = "Blokkerende bevindingen: " + "; ".join(blocking) if blocking else None
    with engine.begin() as conn:
        conn.execute(delete(QualityResult).where(QualityResult.coalition == config.slug,
                                                 QualityResult.period == period))
        if findings:
            conn.execute(insert(QualityResult), [
                dict(coalition=config.slug, period=period, check_name=f.check, scope_name=f.scope, passed=f.passed,
                     blocking=f.blocking, detail=f.detail, computed_at=now) for f in findings])
        return apply_hold(conn, config, period, reason if config.quality.hold_reports else None, now)
