"""How the steps that talk to the database or the mail server retry.

A database failover or a greylisting mail server needs minutes, not seconds: waits double per attempt
(10, 20, 40 s by default) with jitter, so coalitions running in parallel do not all knock at once.
KANSENMONITOR_RETRY_SECONDS sets the first wait; it is read when a flow-run process imports the flows.
"""

from __future__ import annotations

import os

from prefect.tasks import exponential_backoff

RETRIES = 3


def retry_policy() -> dict:
    """Keyword arguments for `@task`: the retries, their exponential waits and the jitter."""
    first_wait = float(os.environ.get("KANSENMONITOR_RETRY_SECONDS", "10"))
    return {"retries": RETRIES, "retry_delay_seconds": exponential_backoff(first_wait), "retry_jitter_factor": 0.5}
