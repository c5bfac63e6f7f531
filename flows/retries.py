"""How the steps that talk to the database or the mail server retry.

A database failover or a greylisting mail server needs minutes, not seconds: waits double per attempt
(10, 20, 40 s by default) with jitter, so coalitions running in parallel do not all knock at once.
KANSENMONITOR_RETRY_SECONDS sets the first wait; it is read when a flow-run process imports the flows.
"""

from __future__ import annotations

import smtplib

from prefect.tasks import exponential_backoff
from sqlalchemy.exc import OperationalError

from kansenmonitor.settings import settings
from tasks.deliver.mail import ReportsNotSent
from tasks.ingest.files import DatabaseUnavailable

RETRIES = 3
# What a wait can cure: a database or mail server that is away. A bug or bad configuration fails at once.
TRANSIENT = (DatabaseUnavailable, OperationalError, ReportsNotSent, smtplib.SMTPException, OSError)


def is_transient(task, task_run, state) -> bool:
    """Prefect's retry condition: retry only the failures a wait can cure."""
    return isinstance(state.result(raise_on_failure=False), TRANSIENT)


def retry_policy() -> dict:
    """Keyword arguments for `@task`: the retries, their exponential waits and the jitter."""
    first_wait = settings().retry_seconds
    return {"retries": RETRIES, "retry_delay_seconds": exponential_backoff(first_wait), "retry_jitter_factor": 0.5,
            "retry_condition_fn": is_transient}
