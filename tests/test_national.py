"""The national generator: the same seed gives the same bytes, and its files ingest with the counts it promises."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import func, select

from kansenmonitor.config import load_config
from kansenmonitor.db import ActivitySession, Attendance, ChildResponse
from sampledata.national import Shape, coalition_dirs, generate
from tasks.ingest.files import ingest_files
from tasks.ingest.inbox import inbox_files

SCALE = 0.0002  # one coalition, eight schools of 25 children


def _fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    first = generate(tmp_path / "a", SCALE, seed=7)
    assert first == generate(tmp_path / "b", SCALE, seed=7)
    assert _fingerprint(tmp_path / "a") == _fingerprint(tmp_path / "b")
    generate(tmp_path / "c", SCALE, seed=8)
    assert _fingerprint(tmp_path / "a") != _fingerprint(tmp_path / "c")


def test_generated_files_ingest_with_the_promised_row_counts(engine, tmp_path):
    shape = Shape.at(SCALE)
    written = generate(tmp_path, SCALE)
    assert (written["aanwezigheid"], written["kindvragenlijst"]) == (shape.attendance_rows, shape.survey_rows)
    [home] = coalition_dirs(tmp_path)
    config = load_config(home / "config.yaml")
    files = inbox_files(home / "inbox", config)
    assert len(files) == 5 + 2 * 5 * shape.schools  # a planning per month, two exports per school per month
    results = ingest_files(engine, config, files, b"test-key")
    assert {r.status for r in results} == {"loaded"}
    assert sum(r.rows_quarantined for r in results) == 0
    with engine.connect() as conn:
        loaded = {model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar()
                  for model in (ActivitySession, Attendance, ChildResponse)}
    assert loaded == {"activity_session": written["activiteiten"], "attendance": shape.attendance_rows,
                      "child_response": shape.survey_rows}
