"""Many coalitions, one schedule: a parent run starts one child run per coalition configuration.

The children are runs of the `ingest-inbox` and `close-period` deployments on the parent's own work pool
(`child_deployment`) rather than in-process subflows, so each coalition gets its own process (or container,
or pod) and the coalitions run in parallel as far as the workers allow; a failing coalition does not stop
the others, and its own run has already told its steward.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.deployments import arun_deployment
from prefect.runtime import deployment, flow_run
from sqlalchemy.exc import SQLAlchemyError

from flows.artifacts import child_run_table
from flows.close_period import compute_together
from flows.schedule import scheduled_close, today
from kansenmonitor.config import load_config
from kansenmonitor.migrate import migrate

POLL_SECONDS = 2


def config_files(configs: list[str]) -> list[Path]:
    """The YAML files named, and those in the folders named; a coalition's name is its file's stem."""
    files = []
    for entry in map(Path, configs):
        files += sorted(entry.glob("*.yaml")) if entry.is_dir() else [entry]
    if not files:
        raise ValueError(f"geen configuraties gevonden in {', '.join(configs)}")
    return files


def child_deployment(child_flow: str, parent_flow: str, parent_deployment: str | None) -> str:
    """The child flow's deployment on the parent's work pool, by name: `close-all` (or no deployment) starts
    `close-period/close-period`, `close-all-docker` starts `close-period/close-period-docker`."""
    deployed = parent_deployment or parent_flow
    if not deployed.startswith(parent_flow):
        raise ValueError(f"de deployment '{deployed}' van {parent_flow} moet '{parent_flow}' of "
                         f"'{parent_flow}-<werkpool>' heten: daaraan ziet de run welke {child_flow}-deployment "
                         f"hij start")
    return f"{child_flow}/{child_flow}{deployed.removeprefix(parent_flow)}"


async def _fan_out(child_flow: str, runs: dict[str, dict]) -> dict[str, str]:
    """Start every child run on the parent's pool, wait for all, and fail when one did not complete."""
    target = child_deployment(child_flow, flow_run.flow_name, deployment.name)
    children = await asyncio.gather(*(
        arun_deployment(target, parameters=parameters, flow_run_name=name, poll_interval=POLL_SECONDS)
        for name, parameters in runs.items()))
    states = {name: child.state.name for name, child in zip(runs, children)}
    await create_table_artifact(table=child_run_table(dict(zip(runs, children))), key=child_flow,
                                description="Een run per coalitie")
    get_run_logger().info("%s", states)
    failed = [name for name, child in zip(runs, children) if not child.state.is_completed()]
    if failed:
        raise RuntimeError(f"{target} is niet gelukt voor: {', '.join(failed)}")
    return states


@flow(name="ingest-all", log_prints=True)
async def ingest_all(configs: list[str] | None = None, inbox_root: str = "var/inbox", out_root: str = "var/out",
                     db_url: str | None = None, demo: bool = False) -> dict[str, str]:
    """Ingest every coalition's inbox (`inbox_root/<name>`); validation reports go to `out_root/<name>`. The
    database is migrated here, once, not by each child run."""
    files = config_files(configs or ["config"])
    migrate(db_url)
    runs = {path.stem: {"config_path": str(path), "inbox": str(Path(inbox_root) / path.stem), "db_url": db_url,
                        "demo": demo, "out_dir": str(Path(out_root) / path.stem), "migrated": True}
            for path in files}
    return await _fan_out("ingest-inbox", runs)


@flow(name="close-all", log_prints=True)
async def close_all(configs: list[str] | None = None, period: str | None = None, out_root: str = "var/out",
                    db_url: str | None = None, day: dt.date | None = None) -> dict[str, str]:
    """Close each coalition's `period`; output in `out_root/<name>` (`indicatoren-<period>.csv`,
    `reports/<period>/`, ...). The indicators of all of them are computed here first, in one go (one statement
    per indicator for every coalition), and stored; each child run reads its own and renders and sends its reports.

    Without `period` (the daily schedule) only the coalitions whose latest ended period is due get a run: its
    grace for late deliveries has passed and not all its reports are sent (`flows/schedule.py`). `day` stands in
    for today.
    """
    logger = get_run_logger()
    runs = {}
    migrate(db_url)  # which coalitions are due is read from the report ledger; the indicators are stored
    for path in config_files(configs or ["config"]):
        name = period
        if name is None:
            plan = scheduled_close(load_config(path), day or today(), db_url)
            logger.info("%s: %s", path.stem, plan.reason)
            if plan.period is None:
                continue
            name = plan.period.name
        runs[path.stem] = {"config_path": str(path), "period": name, "db_url": db_url,
                           "out_dir": str(Path(out_root) / path.stem)}
    if not runs:
        logger.info("geen coalitie hoeft nu te worden afgesloten")
        return {}
    try:
        done = compute_together({name: (r["config_path"], r["period"]) for name, r in runs.items()}, db_url)
    except SQLAlchemyError as exc:  # each child run then computes its own, and fails on its own
        logger.warning("de indicatoren konden niet voor alle coalities tegelijk worden berekend: %s", exc)
        done = []
    for name in done:
        runs[name]["computed"] = True
    logger.info("indicatoren van %s coalities in één keer berekend", len(done))
    return await _fan_out("close-period", runs)
