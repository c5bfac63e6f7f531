"""Bring a database to the newest schema; the same migrations serve SQLite and PostgreSQL."""

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

from kansenmonitor.db import database_url

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str | None = None) -> AlembicConfig:
    config = AlembicConfig(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["url"] = database_url(url)
    return config


def migrate(url: str | None = None) -> None:
    command.upgrade(alembic_config(url), "head")
