"""`prefect server start`, able to schedule runs under SQLAlchemy 2.1.

Prefect 3.8.8 inserts a deployment's scheduled runs with one ORM bulk INSERT whose rows carry a `state`
key. SQLAlchemy 2.1 hands that key to the hybrid property `FlowRun.state`, which has no bulk setter, so
the scheduler raises and no scheduled run is ever created. Prefect inserts the state rows itself right
after, so the key only has to be dropped, as SQLAlchemy 2.0 did. Drop this module once Prefect defines
the setter (or once the project runs on SQLAlchemy 2.0).

Usage: `python -m flows.server --host 127.0.0.1 --port 4200` (the options of `prefect server start`).
"""

from __future__ import annotations

import sys
from typing import Any

from prefect.cli import app
from prefect.server.database.orm_models import FlowRun


def _drop_state(cls: type, mapping: dict[str, Any], value: Any) -> None:
    del mapping["state"]


def main() -> None:
    FlowRun.__dict__["state"].inplace.bulk_dml(_drop_state)
    sys.argv = ["prefect", "server", "start", *sys.argv[1:]]
    sys.exit(app())


if __name__ == "__main__":
    main()
