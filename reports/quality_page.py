"""The steward's page of a period's quality gate: every finding with its period, source and school (or session,
village or register), in Dutch, in one self-contained HTML file.

It replaces Great Expectations' Data Docs for people: those pages load scripts, styles and a logo from
third parties, are in English and do not name the school at fault. This page loads nothing at all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kansenmonitor.config import Config
from reports.templates import environment

PAGE_PREFIX = "kwaliteit-"


def write_quality_page(config: Config, period: str, findings: list, held: bool, out_dir: Path) -> Path:
    """Write `out_dir/kwaliteit-<period>.html` from the gate's findings (`tasks.quality.gate.Finding`): problems
    first, blocking ones on top, then the checks that passed."""
    problems = sorted((f for f in findings if not f.passed),
                      key=lambda f: (not f.blocking, f.source, f.scope, f.check))
    html = environment.get_template("kwaliteit.html.j2").render(
        programme=config.programme.name, period=period, generated=f"{dt.datetime.now():%d-%m-%Y %H:%M}",
        problems=problems, passed=[f for f in findings if f.passed], held=held,
        checks=len({f.check for f in findings}), area_label=config.programme.area_label)
    target = Path(out_dir) / f"{PAGE_PREFIX}{period}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    return target
