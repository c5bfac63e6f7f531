"""Which period a scheduled close-period run closes: the schedule passes no period, the calendar does."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from kansenmonitor.config import Config
from kansenmonitor.periods import Period, programme_periods

TIMEZONE = ZoneInfo("Europe/Amsterdam")


def today() -> dt.date:
    """The date in the Netherlands, whatever the clock of the machine running the flow says."""
    return dt.datetime.now(TIMEZONE).date()


def latest_closed_period(config: Config, day: dt.date) -> Period:
    """The programme's most recent period that ended before `day`.

    The schedule fires a grace period after each period's end, so late deliveries are in; after the
    programme's end this stays its final period, which re-closes idempotently (reports are sent once).
    """
    ended = [p for p in programme_periods(config) if p.end < day]
    if not ended:
        raise ValueError(f"no period of {config.programme.name} has ended before {day:%Y-%m-%d}; "
                         f"the first ends on {programme_periods(config)[0].end:%Y-%m-%d}")
    return ended[-1]
