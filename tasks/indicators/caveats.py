"""How many rows in quarantine could still change an indicator: the caveat shown beside its figure.

A row in quarantine counts nowhere until it is corrected, so "0 klachten" may hide a complaint that failed
validation. For each indicator: the open quarantined rows of the sources its SQL reads, of the period — or of
the period and those before it, for a figure counted since the programme's start or a register as it stood.
Rows whose period could not be read (their date failed) are not counted, as in the report's appendix.
"""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import Connection, func, select

from kansenmonitor.db import FACT_TABLES, QuarantinedRow


def sources_read(sql: str) -> set[str]:
    """The delivery sources whose fact table a composed SQL statement reads."""
    return {source for source, model in FACT_TABLES.items()
            if re.search(rf"\b(FROM|JOIN)\s+{model.__tablename__}\b", sql, re.IGNORECASE)}


def open_quarantine(conn: Connection, coalitions: list[str]) -> dict[str, Counter]:
    """Open quarantined rows per coalition, counted per (source, period)."""
    q = QuarantinedRow
    query = (select(q.coalition, q.source, q.period, func.count())
             .where(q.coalition.in_(coalitions), q.resolved_by.is_(None), q.period.is_not(None))
             .group_by(q.coalition, q.source, q.period))
    counts: dict[str, Counter] = {c: Counter() for c in coalitions}
    for coalition, source, period, n in conn.execute(query):
        counts[coalition][(source, period)] = n
    return counts


def quarantined_rows(open_rows: Counter, sources: set[str], periods: set[str]) -> int:
    """The open rows of these sources in these periods: what would enter the figure once corrected."""
    return sum(n for (source, period), n in open_rows.items() if source in sources and period in periods)
