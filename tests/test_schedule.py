"""The daily close decides itself whether a coalition's period is due: after the configured grace for late
deliveries, until every report is sent. Plain functions on a migrated database, PostgreSQL and SQLite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import insert

from flows.schedule import latest_ended_period, scheduled_close
from kansenmonitor.config import load_config
from kansenmonitor.db import IndicatorValue, ReportDispatch
from kansenmonitor.periods import parse_period
from tasks.quality.release import apply_hold, release_period

ROOT = Path(__file__).resolve().parent.parent
BACKPACK = ROOT / "config" / "borger-odoorn.yaml"
H1, H2 = "2024-2025-H1", "2024-2025-H2"
REPORTS = [("stuurgroep", ""), ("lokale_coalitie", ""), ("kernteam", "Valthermond"), ("kernteam", "2e Exloërmond"),
           ("kernteam", "Nieuw-Buinen")]
WAIT_H1 = ("wacht op late aanleveringen: 2024-2025-H1 (t/m 31-12-2024) wordt na 15 dagen uitloop voor late "
           "aanleveringen afgesloten, op 15-01-2025")


def backpack_with(tmp_path: Path, extra: str):
    path = tmp_path / "backpack.yaml"
    path.write_text(BACKPACK.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return load_config(path)


def closed(engine, config, period: str) -> None:
    """What a close leaves in indicator_value; one row is what the decision looks for."""
    with engine.begin() as conn:
        conn.execute(insert(IndicatorValue).values(coalition=config.slug, period=period, indicator="deelnemers",
                                                   scope="coalitie", scope_name=config.programme.name, value=12,
                                                   status="no_target", computed_at=dt.datetime(2025, 1, 15, 6)))


def ledger(engine, config, period: str, status: str, reports=REPORTS) -> None:
    """Report dispatch rows as send_reports records them."""
    with engine.begin() as conn:
        for audience, area in reports:
            conn.execute(insert(ReportDispatch).values(
                coalition=config.slug, period=period, audience=audience, area=area, recipients="x@example.nl",
                subject=f"{period} {audience} {area}", message_path=f"/tmp/{audience}{area}.eml", status=status,
                created_at=dt.datetime(2025, 1, 15, 6),
                sent_at=dt.datetime(2025, 1, 15, 7) if status == "sent" else None))


@pytest.mark.parametrize(("day", "period"), [
    (dt.date(2024, 12, 31), None),
    (dt.date(2025, 1, 1), H1),
    (dt.date(2025, 8, 15), H2),
    (dt.date(2027, 1, 15), H2),
])
def test_the_latest_ended_period_is_the_last_one_ended_before_the_day(backpack, day, period):
    assert getattr(latest_ended_period(backpack, day), "name", None) == period


@pytest.mark.parametrize(("day", "period"), [
    (dt.date(2025, 1, 1), None),
    (dt.date(2025, 1, 14), None),
    (dt.date(2025, 1, 15), H1),
    (dt.date(2025, 7, 31), H1),
    (dt.date(2025, 8, 14), None),
    (dt.date(2025, 8, 15), H2),
    (dt.date(2027, 1, 15), H2),
])
def test_a_period_is_due_once_its_grace_has_passed(engine, db_url, backpack, day, period):
    assert getattr(scheduled_close(backpack, day, db_url).period, "name", None) == period


def test_before_the_grace_the_reason_says_when_the_period_closes(engine, db_url, backpack):
    assert scheduled_close(backpack, dt.date(2025, 1, 14), db_url).reason == WAIT_H1
    assert scheduled_close(backpack, dt.date(2025, 1, 15), db_url).reason == (
        "2024-2025-H1 wordt afgesloten: de uitloop van 15 dagen na 31-12-2024 is voorbij")


def test_before_any_period_ended_there_is_nothing_to_close(engine, db_url, backpack):
    plan = scheduled_close(backpack, dt.date(2024, 10, 1), db_url)
    assert plan.period is None
    assert plan.reason == ("nog geen periode afgelopen: 2024-2025-H1 (t/m 31-12-2024) wordt na 15 dagen uitloop "
                           "voor late aanleveringen afgesloten, op 15-01-2025")


def test_a_configured_grace_of_30_days(engine, db_url, tmp_path):
    config = backpack_with(tmp_path, "\nclose_grace_days: 30\n")

    waiting = scheduled_close(config, dt.date(2025, 1, 29), db_url)
    due = scheduled_close(config, dt.date(2025, 1, 30), db_url)

    assert waiting.period is None
    assert waiting.reason == ("wacht op late aanleveringen: 2024-2025-H1 (t/m 31-12-2024) wordt na 30 dagen uitloop "
                              "voor late aanleveringen afgesloten, op 30-01-2025")
    assert due.period.name == H1


def test_a_period_whose_reports_were_all_sent_is_done(engine, db_url, backpack):
    closed(engine, backpack, H1)
    ledger(engine, backpack, H1, "sent")

    plan = scheduled_close(backpack, dt.date(2025, 1, 16), db_url)

    assert plan.period is None
    assert plan.reason == ("2024-2025-H1 is al afgesloten en alle rapporten zijn verzonden; 2024-2025-H2 "
                           "(t/m 31-07-2025) wordt na 15 dagen uitloop voor late aanleveringen afgesloten, "
                           "op 15-08-2025")


def test_the_programmes_last_period_once_done_stays_done(engine, db_url, backpack):
    closed(engine, backpack, H2)
    ledger(engine, backpack, H2, "sent")
    unsent = scheduled_close(backpack, dt.date(2026, 3, 1), db_url)
    ledger(engine, backpack, H2, "sent", reports=[("vervolgbesluit", "")])  # due at the second measurement moment

    plan = scheduled_close(backpack, dt.date(2026, 3, 1), db_url)

    assert unsent.reason == "2024-2025-H2 wordt opnieuw afgesloten: nog niet verzonden: vervolgbesluit"
    assert plan.period is None
    assert plan.reason == "2024-2025-H2 is al afgesloten en alle rapporten zijn verzonden; het programma is afgelopen"


def test_a_held_period_is_not_done_also_after_its_release_until_the_reports_are_sent(engine, db_url, backpack):
    closed(engine, backpack, H1)
    ledger(engine, backpack, H1, "pending")
    with engine.begin() as conn:
        apply_hold(conn, backpack, H1, "een school leverde niets aan", dt.datetime(2025, 1, 15, 6))
    day = dt.date(2025, 1, 20)

    held = scheduled_close(backpack, day, db_url)
    release_period(engine, backpack, parse_period(H1, backpack), "Fatima")
    released = scheduled_close(backpack, day, db_url)

    assert held.period.name == released.period.name == H1
    assert held.reason == ("2024-2025-H1 wordt opnieuw afgesloten: nog niet verzonden: stuurgroep, lokale_coalitie, "
                           "kernteam Valthermond, kernteam 2e Exloërmond, kernteam Nieuw-Buinen")


def test_a_report_the_mail_server_refused_keeps_the_period_due(engine, db_url, backpack):
    closed(engine, backpack, H1)
    ledger(engine, backpack, H1, "sent", REPORTS[:-1])
    ledger(engine, backpack, H1, "pending", REPORTS[-1:])

    plan = scheduled_close(backpack, dt.date(2025, 2, 1), db_url)

    assert plan.period.name == H1
    assert plan.reason == "2024-2025-H1 wordt opnieuw afgesloten: nog niet verzonden: kernteam Nieuw-Buinen"


def test_an_interrupted_send_is_not_sent_again_so_the_period_is_done(engine, db_url, backpack):
    closed(engine, backpack, H1)
    ledger(engine, backpack, H1, "sent", REPORTS[:-1])
    ledger(engine, backpack, H1, "sending", REPORTS[-1:])

    assert scheduled_close(backpack, dt.date(2025, 2, 1), db_url).period is None


def test_a_close_that_failed_before_sending_is_due_again(engine, db_url, backpack):
    closed(engine, backpack, H1)  # indicators stored, then the reports failed to build

    plan = scheduled_close(backpack, dt.date(2025, 1, 16), db_url)

    assert plan.period.name == H1
    assert plan.reason.startswith("2024-2025-H1 wordt opnieuw afgesloten: nog niet verzonden: stuurgroep, ")


def test_without_recipients_a_period_is_done_once_closed(engine, db_url, backpack):
    config = backpack.model_copy(update={"recipients": {}})
    day = dt.date(2025, 1, 16)

    before = scheduled_close(config, day, db_url)
    closed(engine, config, H1)
    after = scheduled_close(config, day, db_url)

    assert before.period.name == H1
    assert after.period is None
