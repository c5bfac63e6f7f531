"""The lokale coalitie's interpretation of a goal recorded from the command line, as one more delivery of the
source `duidingen`: a ledger row and a new version of the record (period, goal) that supersedes the earlier
one, exactly as a sheet in the inbox would. Approving records the approver on a new version of the same text."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, insert, select, update

from kansenmonitor.config import Config
from kansenmonitor.db import Delivery, Interpretation
from kansenmonitor.periods import Period
from schemas.interpretations import InterpretationModel
from tasks.ingest.parse import parse_goal
from tasks.ingest.validate import natural_key

SOURCE = "duidingen"
COMMAND = "kansenmonitor duiding (opdrachtregel)"


class InterpretationRefused(ValueError):
    """An interpretation that cannot be recorded, with the reason in Dutch."""


@dataclass(frozen=True)
class Recorded:
    goal: str
    text: str
    interpreted_by: str
    approved_by: str | None
    delivery_id: int


def goal_title(config: Config, goal: str) -> str:
    """The configured goal a number (`2`) or title refers to."""
    parsed = parse_goal(pd.Series([goal], dtype=object), config)
    reason = parsed.reasons.iloc[0]
    if isinstance(reason, str):
        raise InterpretationRefused(reason)
    return parsed.values.iloc[0]


def _limit(what: str, value: str | None, field: str) -> None:
    maximum = InterpretationModel.to_schema().columns[field].checks[0].statistics["max_value"]
    if value is not None and len(value) > maximum:
        raise InterpretationRefused(f"{what} is {len(value)} tekens lang; ten hoogste {maximum} past")


def record_interpretation(engine: Engine, config: Config, period: Period, goal: str, text: str | None,
                          interpreted_by: str | None, approved_by: str | None,
                          now: dt.datetime | None = None) -> Recorded:
    """Record (or replace) the interpretation of `goal` in `period`; without `text`, approve the current one."""
    title = goal_title(config, goal)
    text, interpreted_by = (text or "").strip() or None, (interpreted_by or "").strip() or None
    approved_by = (approved_by or "").strip() or None
    for what, value, field in (("de duiding", text, "text"), ("de naam bij --door", interpreted_by, "interpreted_by"),
                               ("de naam bij --goedgekeurd-door", approved_by, "approved_by")):
        _limit(what, value, field)
    key = natural_key([period.name, title])
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    current = Interpretation.coalition == config.slug, Interpretation.record_key == key, \
        Interpretation.superseded_by.is_(None)
    with engine.begin() as conn:
        if text is None:
            if approved_by is None:
                raise InterpretationRefused("geef een duiding (--tekst) met de naam van wie duidde (--door), of "
                                            "keur de bestaande duiding goed met --goedgekeurd-door")
            earlier = conn.execute(select(Interpretation.text, Interpretation.interpreted_by)
                                   .where(*current)).first()
            if earlier is None:
                raise InterpretationRefused(f"er is nog geen duiding van doel '{title}' over {period.name} om "
                                            "goed te keuren; geef eerst de duiding met --tekst en --door")
            text, interpreted_by = earlier
        elif interpreted_by is None:
            raise InterpretationRefused("zeg met --door wie de duiding schreef")
        row = dict(goal=title, text=text, interpreted_by=interpreted_by, approved_by=approved_by)
        content = json.dumps(row | {"period": period.name, "at": now.isoformat()}, ensure_ascii=False)
        delivery_id = conn.execute(insert(Delivery).returning(Delivery.id).values(
            coalition=config.slug, source=SOURCE, file_name=COMMAND,
            sha256=hashlib.sha256(content.encode("utf-8")).hexdigest(), size_bytes=len(content.encode("utf-8")),
            received_at=now, status="loaded", rows_read=1, rows_loaded=1, rows_quarantined=0)).scalar_one()
        conn.execute(update(Interpretation).where(*current).values(superseded_by=delivery_id))
        conn.execute(insert(Interpretation).values(coalition=config.slug, period=period.name, record_key=key,
                                                   source_row=1, delivery_id=delivery_id, **row))
    return Recorded(title, text, interpreted_by, approved_by, delivery_id)
