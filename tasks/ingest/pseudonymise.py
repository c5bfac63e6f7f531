"""Pupil numbers never reach the database: a keyed hash of (school, pupil number) stands in for them.

The key is a secret of the deployment (environment variable or Prefect Secret block), never of the
code, so the same child gets the same pseudonym in every delivery while nobody without the key can
go back from pseudonym to pupil number.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re

import pandas as pd

KEY_VARIABLE = "KANSENMONITOR_PSEUDONYM_KEY"
SECRET_BLOCK_VARIABLE = "KANSENMONITOR_PSEUDONYM_SECRET_BLOCK"
DEMO_KEY = "kansenmonitor-demo-key-not-for-real-data"
TOKEN = re.compile(r"^PSN-[A-Za-z0-9_-]{43}$")


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


def quarantine_token(pseudonym: str) -> str:
    """The pseudonym as quarantine shows it in place of a pupil number: short enough for the
    `Leerling` column (47 characters), so a correction sheet redelivers the same child."""
    return "PSN-" + base64.urlsafe_b64encode(bytes.fromhex(pseudonym)).decode("ascii").rstrip("=")


def _from_token(text: str) -> str | None:
    if not TOKEN.match(text):
        return None
    try:
        return base64.urlsafe_b64decode(text[4:] + "=").hex()
    except (binascii.Error, ValueError):
        return None


def pseudonymise(school: pd.Series, pupil: pd.Series, key: bytes) -> pd.Series:
    """HMAC-SHA256 of `school|pupil` per row, as hex; empty where either part is missing.

    A quarantine token (a corrected row coming back) already is the pseudonym and is taken as it is.
    """
    def one(s: object, p: object) -> str | None:
        if not isinstance(s, str) or not isinstance(p, str) or not p:
            return None
        return _from_token(p) or hmac.new(key, f"{s}|{p}".encode(), hashlib.sha256).hexdigest()

    return pd.Series([one(s, p) for s, p in zip(school, pupil)], index=pupil.index, dtype=object)
