"""Whether a scheduled close closes anything today: the schedule runs daily and passes no period; the calendar,
the configured grace for late deliveries and the report ledger decide.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kansenmonitor.config import Config
from kansenmonitor.db import IndicatorValue, database
from kansenmonitor.periods import Period, programme_periods
from tasks.deliver.mail import unsent_reports

TIMEZONE = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class ScheduledClose:
    """What a scheduled run does for one coalition: close `period`, or nothing (None); `reason` says why, in
    Dutch, for the run's log."""

    period: Period | None
    reason: str


def today() -> dt.date:
    """The date in the Netherlands, whatever the clock of the machine running the flow says."""
    return dt.datetime.now(TIMEZONE).date()


def latest_ended_period(config: Config, day: dt.date) -> Period | None:
    """The programme's most recent period that ended before `day`; after the programme's end, its final one."""
    ended = [p for p in programme_periods(config) if p.end < day]
    return ended[-1] if ended else None


def close_date(config: Config, period: Period) -> dt.date:
    """The first day a scheduled run closes `period`: `close_grace_days` after its last day."""
    return period.end + dt.timedelta(days=config.close_grace_days)


def scheduled_close(config: Config, day: dt.date, db_url: str | None) -> ScheduledClose:
    """The latest ended period once its grace has passed, unless it is done: its indicators stored and every
    report with recipients sent. A period whose reports the quality gate holds is not done, so the daily run
    after `kansenmonitor release` sends them."""
    period = latest_ended_period(config, day)
    if period is None:
        first = programme_periods(config)[0]
        return ScheduledClose(None, f"nog geen periode afgelopen: {_when(config, first)}")
    if day < close_date(config, period):
        return ScheduledClose(None, f"wacht op late aanleveringen: {_when(config, period)}")
    with database(db_url) as engine:
        with engine.connect() as conn:
            closed = conn.execute(select(IndicatorValue.id).where(
                IndicatorValue.coalition == config.slug, IndicatorValue.period == period.name).limit(1)).first()
        unsent = unsent_reports(engine, config, period.name)
    if not closed:
        return ScheduledClose(period, f"{period.name} wordt afgesloten: de uitloop van {config.close_grace_days} "
                                      f"dagen na {period.end:%d-%m-%Y} is voorbij")
    if unsent:
        return ScheduledClose(period, f"{period.name} wordt opnieuw afgesloten: nog niet verzonden: "
                                      f"{', '.join(unsent)}")
    following = [p for p in programme_periods(config) if p > period]
    then = _when(config, following[0]) if following else "het programma is afgelopen"
    return ScheduledClose(None, f"{period.name} is al afgesloten en alle rapporten zijn verzonden; {then}")


def _when(config: Config, period: Period) -> str:
    return (f"{period.name} (t/m {period.end:%d-%m-%Y}) wordt na {config.close_grace_days} dagen uitloop voor late "
            f"aanleveringen afgesloten, op {close_date(config, period):%d-%m-%Y}")
