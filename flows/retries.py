"""How the steps that talk to the database or the mail server retry.

A database failover or a greylisting mail server needs minutes, not seconds: waits double per attempt
(10, 20, 40 s by default) with jitter, so coalitions running in parallel do not all knock at once.
KANSENMONITOR_RETRY_SECONDS sets the first wait; it is read when a flow-run process imports the flows.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from typing import TypeVar

from prefect.tasks import exponential_backoff
from prefect.utilities.math import clamped_poisson_interval
from sqlalchemy.exc import OperationalError
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from kansenmonitor.dutch import number
from kansenmonitor.settings import settings
from tasks.deliver.mail import ReportsNotSent
from tasks.ingest.files import DatabaseUnavailable

RETRIES = 3
JITTER = 0.5
# What a wait can cure: a database or mail server that is away. A bug or bad configuration fails at once.
TRANSIENT = (DatabaseUnavailable, OperationalError, ReportsNotSent, smtplib.SMTPException, OSError)

T = TypeVar("T")


def is_transient(task, task_run, state) -> bool:
    """Prefect's retry condition: retry only the failures a wait can cure."""
    return isinstance(state.result(raise_on_failure=False), TRANSIENT)


def retry_policy() -> dict:
    """Keyword arguments for `@task`: the retries, their exponential waits and the jitter."""
    return {"retries": RETRIES, "retry_delay_seconds": exponential_backoff(settings().retry_seconds),
            "retry_jitter_factor": JITTER, "retry_condition_fn": is_transient}


def with_retries(step: Callable[[], T], logger: logging.Logger | logging.LoggerAdapter, what: str) -> T:
    """`step` run in the flow itself, retried as `retry_policy` retries a task: the same waits, jitter and
    failures (for the ingest, to which a task run of its own added ~0.06 s of Prefect per run). `what` says in
    the run's log what each retry is for: "poging 1 van 4 om <what> is mislukt ..."."""
    backoff = exponential_backoff(settings().retry_seconds)

    def wait(state: RetryCallState) -> float:  # the wait after the attempt that just failed
        return clamped_poisson_interval(backoff(state.attempt_number)[-1], clamping_factor=JITTER)

    def log(state: RetryCallState) -> None:
        failure = state.outcome.exception()
        logger.warning("poging %s van %s om %s is mislukt (%s: %s); nieuwe poging over %s s", state.attempt_number,
                       RETRIES + 1, what, type(failure).__name__, failure, number(state.next_action.sleep, 1))

    retrying = Retrying(stop=stop_after_attempt(RETRIES + 1), wait=wait, retry=retry_if_exception_type(TRANSIENT),
                        before_sleep=log, reraise=True)
    return retrying(step)
