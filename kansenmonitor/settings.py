"""Every `KANSENMONITOR_*` environment variable, read in one place (docs/configuration.md lists them); `bin/serve`
asks it for `KANSENMONITOR_WORKERS` and `_WORKER_LIMIT`.

The deployment's secrets and the machine's addresses come from the environment, never from a coalition's YAML
file. `settings()` reads the environment anew on every call: a flow-run process, a test or the CLI may change it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

SMTP_SECURITY = ("starttls", "ssl", "none")


class SettingsError(ValueError):
    """An environment variable holds a value kansenmonitor cannot use; the message names it."""


class Settings(BaseSettings):
    """The `KANSENMONITOR_*` environment variables; unset ones are None or their default."""

    model_config = SettingsConfigDict(env_prefix="KANSENMONITOR_", extra="ignore", env_ignore_empty=True)

    database_url: str | None = None
    # Pseudonyms: the key itself, or a Prefect Secret block holding it, or (`make serve`) a local key file.
    pseudonym_key: str | None = None
    pseudonym_secret_block: str | None = None
    pseudonym_key_file: Path | None = None
    # Mail: each overrides the configuration's `smtp`; credentials only from here or a Secret block.
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: Literal["starttls", "ssl", "none"] | None = None
    smtp_sender: str | None = None
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_secret_block: str | None = None
    smtp_ca_file: Path | None = None
    retry_seconds: float = 10.0
    ingest_batch_files: int = 25
    # A fact table grown by more than this fraction since its statistics were gathered is analysed after a batch.
    analyze_growth: float = 0.2
    # Overrides every configuration's `inbox_settle_seconds` (the tests and the bench write complete files).
    inbox_settle_seconds: float | None = Field(default=None, ge=0)
    # `make serve` (bin/serve): the workers it starts on the local process pool, and the most flow runs each runs
    # at once (`prefect worker start --limit`; None: no cap).
    workers: int = Field(default=1, ge=1)
    worker_limit: int | None = Field(default=None, ge=1)
    # Development: the PostgreSQL the tests and the benchmark use.
    test_pg: str = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    bench_pg: str = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def settings() -> Settings:
    """The environment as it is now; a value of the wrong kind is refused naming its variable."""
    try:
        return Settings()
    except ValidationError as error:
        problems = []
        for issue in error.errors():
            variable = f"KANSENMONITOR_{str(issue['loc'][0]).upper()}"
            expected = (f"expected one of: {', '.join(SMTP_SECURITY)}" if variable.endswith("SMTP_SECURITY")
                        else issue["msg"])
            problems.append(f"{variable} is '{issue['input']}'; {expected}")
        raise SettingsError("; ".join(problems)) from None


def models_folder() -> str:
    """`KANSENMONITOR_MODELS` ("" when unset), straight from the environment: the catalogue looks it up per indicator
    and cell when a period is closed, and building the settings costs milliseconds."""
    return os.environ.get("KANSENMONITOR_MODELS") or ""
