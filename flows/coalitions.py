"""Many coalitions, one schedule: a parent run starts one child run per coalition configuration.

The children are runs of the `ingest-inbox` and `close-period` deployments rather than in-process
subflows, so each coalition gets its own process (or container, or pod) from the work pool and the
coalitions run in parallel as far as the workers allow; a failing coalition does not stop the others,
and its own run has already told its steward.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.deployments import arun_deployment

from flows.schedule import latest_closed_period, today
from kansenmonitor.config import load_config

INGEST_DEPLOYMENT = "ingest-inbox/ingest-inbox"
CLOSE_DEPLOYMENT = "close-period/close-period"
POLL_SECONDS = 2


def config_files(configs: list[str]) -> list[Path]:
    """The YAML files named, and those in the folders named; a coalition's name is its file's stem."""
    files = []
    for entry in map(Path, configs):
        files += sorted(entry.glob("*.yaml")) if entry.is_dir() else [entry]
    if not files:
        raise ValueError(f"geen configuraties gevonden in {', '.join(configs)}")
    return files


async def _fan_out(deployment: str, runs: dict[str, dict]) -> dict[str, str]:
    """Start every child run, wait for all, and fail when one did not complete."""
    children = await asyncio.gather(*(
        arun_deployment(deployment, parameters=parameters, flow_run_name=name, poll_interval=POLL_SECONDS)
        for name, parameters in runs.items()))
    states = {name: child.state.name for name, child in zip(runs, children)}
    create_table_artifact(table=[{"coalitie": name, "run": child.name, "status": child.state.name}
                                 for name, child in zip(runs, children)],
                          key=deployment.split("/")[0], description="Een run per coalitie")
    get_run_logger().info("%s", states)
    failed = [name for name, child in zip(runs, children) if not child.state.is_completed()]
    if failed:
        raise RuntimeError(f"{deployment} is niet gelukt voor: {', '.join(failed)}")
    return states


@flow(name="ingest-all", log_prints=True)
async def ingest_all(configs: list[str] | None = None, inbox_root: str = "var/inbox", out_root: str = "var/out",
                     db_url: str | None = None, demo: bool = False) -> dict[str, str]:
    """Ingest every coalition's inbox (`inbox_root/<name>`); validation reports go to `out_root/<name>`."""
    runs = {path.stem: {"config_path": str(path), "inbox": str(Path(inbox_root) / path.stem), "db_url": db_url,
                        "demo": demo, "out_dir": str(Path(out_root) / path.stem)}
            for path in config_files(configs or ["config"])}
    return await _fan_out(INGEST_DEPLOYMENT, runs)


@flow(name="close-all", log_prints=True)
async def close_all(configs: list[str] | None = None, period: str | None = None, out_root: str = "var/out",
                    db_url: str | None = None) -> dict[str, str]:
    """Close each coalition's `period`, by default its most recent ended one; output in `out_root/<name>/<period>`."""
    runs = {}
    for path in config_files(configs or ["config"]):
        name = period or latest_closed_period(load_config(path), today()).name
        runs[path.stem] = {"config_path": str(path), "period": name, "db_url": db_url,
                           "out_dir": str(Path(out_root) / path.stem / name)}
    return await _fan_out(CLOSE_DEPLOYMENT, runs)
