"""Pupil numbers never reach the database: a keyed hash of (school, pupil number) stands in for them.

The key is a secret of the deployment (environment variable or Prefect Secret block), never of the
code, so the same child gets the same pseudonym in every delivery while nobody without the key can
go back from pseudonym to pupil number.
"""

from __future__ import annotations

import hashlib
import hmac
import os

import pandas as pd

KEY_VARIABLE = "KANSENMONITOR_PSEUDONYM_KEY"
SECRET_BLOCK_VARIABLE = "KANSENMONITOR_PSEUDONYM_SECRET_BLOCK"
DEMO_KEY = "kansenmonitor-demo-key-not-for-real-data"


class MissingKeyError(RuntimeError):
    pass


def pseudonym_key(demo: bool = False) -> bytes:
    """The deployment's key: the environment, else a Prefect Secret block, else (demo only) a fixed key."""
    key = os.environ.get(KEY_VARIABLE)
    block = os.environ.get(SECRET_BLOCK_VARIABLE)
    if not key and block:
        from prefect.blocks.system import Secret

        key = Secret.load(block).get()
    if key:
        return key.encode("utf-8")
    if demo:
        return DEMO_KEY.encode("utf-8")
    raise MissingKeyError(
        f"no pseudonymisation key: set {KEY_VARIABLE} (or {SECRET_BLOCK_VARIABLE} naming a Prefect Secret "
        "block) to the deployment's secret; kansenmonitor refuses to store pupil data without it"
    )


def pseudonymise(school: pd.Series, pupil: pd.Series, key: bytes) -> pd.Series:
    """HMAC-SHA256 of `school|pupil` per row, as hex; empty where either part is missing."""
    def one(s: object, p: object) -> str | None:
        if not isinstance(s, str) or not isinstance(p, str) or not p:
            return None
        return hmac.new(key, f"{s}|{p}".encode("utf-8"), hashlib.sha256).hexdigest()

    return pd.Series([one(s, p) for s, p in zip(school, pupil)], index=pupil.index, dtype=object)
