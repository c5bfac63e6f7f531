"""Pupil numbers never reach the database: a keyed hash of (school, pupil number) stands in for them.

The key is a secret of the deployment (environment variable or Prefect Secret block), never of the
code, so the same child gets the same pseudonym in every delivery while nobody without the key can
go back from pseudonym to pupil number. A machine without one (`make serve` on a fresh clone) names a
key file instead, which `kansenmonitor.local_key` generated once.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import re

import numpy as np
import pandas as pd
from sqlalchemy import Connection, insert, select

from kansenmonitor.db import Delivery, PseudonymKeyCheck
from kansenmonitor.settings import settings
from tasks.ingest.parse import Factor, factorized

KEY_VARIABLE = "KANSENMONITOR_PSEUDONYM_KEY"
SECRET_BLOCK_VARIABLE = "KANSENMONITOR_PSEUDONYM_SECRET_BLOCK"
KEY_FILE_VARIABLE = "KANSENMONITOR_PSEUDONYM_KEY_FILE"
DEMO_KEY = "kansenmonitor-demo-key-not-for-real-data"
TOKEN = re.compile(r"^PSN-[A-Za-z0-9_-]{43}$")
MIN_KEY_BYTES = 32
CHECK_TEXT = b"kansenmonitor: welke sleutel maakte de pseudoniemen van deze database"


class MissingKeyError(RuntimeError):
    pass


def pseudonym_key(demo: bool = False) -> bytes:
    """The deployment's key: the environment, else a Prefect Secret block, else a key file, else (demo only) a
    fixed key."""
    environment = settings()
    key, block, key_file = environment.pseudonym_key, environment.pseudonym_secret_block, environment.pseudonym_key_file
    if not key and block:
        from prefect.blocks.system import Secret

        key = Secret.load(block).get()
    if not key and key_file:
        if not key_file.is_file():
            raise MissingKeyError(f"the key file {key_file} ({KEY_FILE_VARIABLE}) does not exist")
        key = key_file.read_text(encoding="utf-8").strip()
    if key:
        if len(key.encode("utf-8")) < MIN_KEY_BYTES and not demo:
            raise MissingKeyError(
                f"de pseudonimiseringssleutel ({KEY_VARIABLE} of {SECRET_BLOCK_VARIABLE}) is "
                f"{len(key.encode('utf-8'))} bytes lang; kansenmonitor vraagt er minstens {MIN_KEY_BYTES} "
                "(willekeurig), bijvoorbeeld uit: python -c \"import secrets; print(secrets.token_urlsafe(32))\""
            )
        return key.encode("utf-8")
    if demo:
        return DEMO_KEY.encode("utf-8")
    raise MissingKeyError(
        f"no pseudonymisation key: set {KEY_VARIABLE} (or {SECRET_BLOCK_VARIABLE} naming a Prefect Secret "
        "block) to the deployment's secret; kansenmonitor refuses to store pupil data without it"
    )


def check_database_key(conn: Connection, key: bytes) -> None:
    """The public demo key and a deployment's own key never meet in one database: the first ingest records which
    kind made the pseudonyms (a keyed hash of a fixed text, not the key); a later ingest with the other kind is
    refused. A database that already holds deliveries but no record is taken as a deployment's."""
    demo = key == DEMO_KEY.encode("utf-8")
    recorded = conn.execute(select(PseudonymKeyCheck.demo)).scalars().all()
    if not recorded and demo and conn.execute(select(Delivery.id).limit(1)).first():
        recorded = [False]
    if recorded and demo not in recorded:
        raise MissingKeyError(
            "deze database bevat gegevens die met de eigen sleutel van een installatie zijn gepseudonimiseerd; "
            "de openbare demosleutel (--demo) wordt hier geweigerd: zet KANSENMONITOR_PSEUDONYM_KEY"
            if demo else
            "deze database is een demodatabase (gepseudonimiseerd met de openbare demosleutel); echte gegevens "
            "horen in een eigen database: kies een andere --db / KANSENMONITOR_DATABASE_URL")
    fingerprint = hmac.new(key, CHECK_TEXT, hashlib.sha256).hexdigest()
    if not conn.execute(select(PseudonymKeyCheck.id).where(PseudonymKeyCheck.fingerprint == fingerprint)).first():
        conn.execute(insert(PseudonymKeyCheck).values(fingerprint=fingerprint, demo=demo,
                                                      recorded_at=dt.datetime.now().replace(microsecond=0)))


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
    codes, distinct = pseudonyms(factorized(school), factorized(pupil), key)
    return pd.Series(distinct[codes], index=pupil.index, dtype=object)


def pseudonyms(school: Factor, pupil: Factor, key: bytes) -> Factor:
    """`pseudonymise` of columns given as Factors, worked out once per child: a batch holds the same children in
    every session they attended."""
    def one(s: object, p: object) -> str | None:
        if not isinstance(s, str) or not isinstance(p, str) or not p:
            return None
        return _from_token(p) or hmac.digest(key, f"{s}|{p}".encode(), "sha256").hex()

    (school_codes, schools), (pupil_codes, pupils) = school, pupil
    pairs = (school_codes.astype(np.int64) + 1) * (len(pupils) + 1) + pupil_codes + 1
    _, first, spread = np.unique(pairs, return_index=True, return_inverse=True)
    known = np.empty(len(first), dtype=object)
    known[:] = [one(schools[school_codes[row]], pupils[pupil_codes[row]]) for row in first]
    return spread, known
