"""Closing the period at scale: every coalition's indicators, and one coalition's reports rendered."""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sqlalchemy import text

from bench import passes
from bench.db import bench_server, fresh_database
from flows.close_period import make_reports
from kansenmonitor.db import database
from kansenmonitor.periods import parse_period
from reports.charts import participants_chart, spending_chart, trend_chart
from sampledata.national import COALITIONS, Shape, generate
from tasks.indicators.compute import Closing, compute_indicators, compute_many, store_indicators

PERIOD = "2024-2025-H1"


def analyze(url: str) -> None:
    """Fresh planner statistics for the fact tables, so the marts are planned on what was loaded."""
    with database(url) as engine, engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def indicators(url: str, jobs) -> dict[str, float]:
    """Every coalition's indicators of the period computed (not stored) as closing all coalitions does it, in one
    go (`indicators_s`), and one coalition after another as closing one does (`indicators_per_coalition_s`), on
    the same database, both after one untimed coalition has composed the marts; then stored, as the close
    stores them."""
    closings = [Closing(config, parse_period(PERIOD, config)) for _, config, _ in jobs]
    with database(url) as engine:
        compute_indicators(engine, closings[0].config, closings[0].period)  # composes the marts once (~0.7 s)
        start = time.perf_counter()
        together = compute_many(engine, closings)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        alone = {c.config.slug: compute_indicators(engine, c.config, c.period) for c in closings}
        one_by_one = time.perf_counter() - start
        for closing in closings:
            store_indicators(engine, closing.config, together[closing.config.slug])
    return {"indicator_rows": sum(map(len, together.values())), "indicators_s": seconds,
            "indicators_per_coalition_s": one_by_one, "indicators_speedup": one_by_one / seconds,
            "indicators_identical": "yes" if alone == together else "no"}


def reports(url: str, jobs) -> dict[str, float]:
    """The first coalition's reports (HTML and PDF of every audience) made twice in one process. Judged is the
    second, warm call, as a worker that closed a period before closes the next: modules and font files read,
    the templates compiled, but a font map of its own (each build has one) and every chart drawn again (a chart
    is drawn once per content, and a new period has new figures): per report its seconds on the clock and in
    CPU time (`report_cpu_s_per_report`; the clock counts other processes on a shared machine too). The first,
    cold call's CPU time is shown as well."""
    _, config, _ = jobs[0]
    period = parse_period(PERIOD, config)
    timed = []
    for _ in range(2):
        for drawn in (trend_chart, participants_chart, spending_chart):
            drawn.cache_clear()
        with tempfile.TemporaryDirectory() as folder:
            start, cpu = time.perf_counter(), time.process_time()
            built = make_reports(url, config, period, Path(folder))
            timed.append((time.perf_counter() - start, time.process_time() - cpu))
    (_, cold_cpu), (seconds, cpu) = timed
    count = max(len(built), 1)
    return {"reports": len(built), "report_s_per_report": seconds / count, "report_cpu_s_per_report": cpu / count,
            "report_cpu_s_per_report_cold": cold_cpu / count}


def main(argv: list[str] | None = None) -> None:
    """`python -m bench.period [--scale 0.01]`: only the indicators part of `make bench`, on a country generated
    and ingested at that scale (no yardsticks, reports or Prefect), printing the same `name: value` lines."""
    from bench.__main__ import show  # sets the bench's environment (pseudonym key, Prefect)

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01)
    scale = parser.parse_args(argv).scale
    shape = Shape.at(scale)
    with bench_server(), tempfile.TemporaryDirectory(prefix="kansenmonitor-bench-") as folder:
        generate(Path(folder), scale, workers=2)
        jobs = passes.inboxes(Path(folder))
        with fresh_database() as url:
            with ProcessPoolExecutor(2) as pool:  # ingested as two workers would; not timed here
                _, rows = passes.plainly(url, jobs, pool)
            analyze(url)
            show("scale", scale)
            show("coalitions", shape.coalitions)
            show("rows_ingested", rows)
            figures = indicators(url, jobs)
    for name, value in figures.items():
        show(name, value)
    show("indicators_s_national", figures["indicators_s"] * COALITIONS / shape.coalitions)


if __name__ == "__main__":
    main()
