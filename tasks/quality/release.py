"""Holding a period's reports after a failed quality gate, and the steward's release.

Kept apart from the gate so that the CLI and the mail step can ask and release without loading Great
Expectations.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, insert, select, update

from kansenmonitor.config import Config
from kansenmonitor.db import PeriodRelease
from kansenmonitor.periods import Period

GATE = "kwaliteitscontrole"


def is_held(engine: Engine, config: Config, period: str) -> bool:
    """True while the quality gate holds the period's reports and nobody released them."""
    with engine.connect() as conn:
        return conn.execute(_select(config, period).with_only_columns(PeriodRelease.status)).scalar() == "held"


def release_period(engine: Engine, config: Config, period: Period, who: str) -> str:
    """Release a held period so its reports may go out; returns the message for the steward."""
    name = period.name
    now = dt.datetime.now().replace(microsecond=0)
    with engine.begin() as conn:
        row = conn.execute(_select(config, name)).first()
        if row is None:
            return f"De rapportage van {name} is niet tegengehouden; er is niets vrij te geven."
        if row.status == "released":
            return (f"De rapportage van {name} was al vrijgegeven door {row.released_by} "
                    f"op {row.released_at:%d-%m-%Y %H:%M}.")
        conn.execute(update(PeriodRelease).where(PeriodRelease.id == row.id)
                     .values(status="released", released_at=now, released_by=who))
    return f"De rapportage van {name} is vrijgegeven door {who}; de rapporten kunnen worden verstuurd."


def apply_hold(conn: Connection, config: Config, period: str, reason: str | None, now: dt.datetime) -> bool:
    """Hold the period for `reason`, or lift a hold when there is none. A steward's release stands as long as
    the gate finds exactly what was released; new findings hold the period again. Returns whether held."""
    row = conn.execute(_select(config, period)).first()
    if reason is None:
        if row is not None and row.status == "held":
            conn.execute(update(PeriodRelease).where(PeriodRelease.id == row.id)
                         .values(status="released", reason="", released_at=now, released_by=GATE))
        return False
    if row is None:
        conn.execute(insert(PeriodRelease).values(coalition=config.slug, period=period, status="held", reason=reason,
                                                  held_at=now))
        return True
    if row.status == "released" and row.reason == reason:
        return False
    conn.execute(update(PeriodRelease).where(PeriodRelease.id == row.id).values(
        status="held", reason=reason, held_at=now, released_at=None, released_by=None))
    return True


def _select(config: Config, period: str):
    return select(PeriodRelease).where(PeriodRelease.coalition == config.slug, PeriodRelease.period == period)
