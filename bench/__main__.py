"""`python -m bench [--scale 0.001]`: generate the country at a scale, ingest it, close the period, and print
every figure side by side as `name: value`, with each target and by how much it is met or missed."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KANSENMONITOR_PSEUDONYM_KEY", "bench-key-not-secret-but-32-bytes-long")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("KANSENMONITOR_INBOX_SETTLE_SECONDS", "0")  # the generated files are complete: read them at once
# The flows log at INFO, as in production: their lines go to stderr, the figures to stdout.

from bench import limits, passes, period  # noqa: E402  (Prefect reads the environment on import)
from bench.db import bench_server, fresh_database  # noqa: E402
from sampledata.national import COALITIONS, Shape, generate, write_coalition  # noqa: E402

TARGETS = {  # name: (target, higher is better); the indicators target is for 500 coalitions (scale 1)
    "load_vs_raw_copy": (0.7, True),
    "end_to_end_vs_raw_copy": (0.5, True),
    "peak_memory_mb": (2048, False),
    "indicators_s_national": (15, False),
    "report_cpu_s_per_report": (0.75, False),  # CPU, warm: on a shared machine the clock also counts the neighbours
    "prefect_overhead": (0.10, False),
    "two_workers_speedup": (1.7, True),
}
WORKLOAD_COALITIONS = 4  # the fewest for the worker and Prefect figures: two workers with two coalitions each
SEED = 2024  # generate's


def show(name: str, value: float | int | str) -> None:
    shown = f"{value:.3f}" if isinstance(value, float) and abs(value) < 100 else (
        f"{value:.0f}" if isinstance(value, float) else str(value))
    print(f"{name}: {shown}", flush=True)
    if name in TARGETS and isinstance(value, (int, float)):
        target, higher = TARGETS[name]
        met = value >= target if higher else value <= target
        show_value = f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
        print(f"{name}_target_met: {'yes' if met else 'no'} ({show_value} of {target})", flush=True)


def workload(out: Path, shape: Shape, jobs: list) -> tuple[list, Path]:
    """The coalitions the worker and Prefect figures are measured on, and one to warm up on, never timed: the
    country's, and below 4 coalitions (scale < 0.008) more of the same size, written under `out/meer`, so that
    two workers have coalitions to share and the overhead is no single coalition's."""
    first, last = shape.coalitions + 1, max(WORKLOAD_COALITIONS, shape.coalitions) + 1  # the last to warm up
    for number in range(first, last + 1):
        write_coalition(out / "meer", number, shape, SEED)
    more = passes.inboxes(out / "meer")
    return jobs + more[:-1], more[-1][0]


def run(scale: float, out: Path, workers: int = 1, sample_coalitions: int | None = None) -> None:
    shape = Shape.at(scale)
    show("scale", scale)
    show("coalitions", shape.coalitions)
    show("children", shape.children)
    start = time.perf_counter()
    written = generate(out, scale, workers=2)
    show("generate_s", time.perf_counter() - start)
    for source, rows in written.items():
        show(f"rows_{source}", rows)
    jobs = passes.inboxes(out)
    files = sum(len(f) for _, _, f in jobs)
    show("files", files)

    sample = jobs[:sample_coalitions] if sample_coalitions else jobs
    show("sample_coalitions", len(sample))
    with fresh_database() as url:
        stages = passes.by_stage(url, sample)
        for stage in ("parse", "validate", "pseudonymise", "load"):
            show(f"{stage}_rows_per_s", stages.rows[stage] / max(stages.seconds[stage], 1e-9))
            show(f"{stage}_ms_per_file", 1000 * stages.seconds[stage] / stages.files)
        read_validate = stages.seconds["parse"] + stages.seconds["validate"]
        show("read_validate_rows_per_s", stages.rows["validate"] / read_validate)
        attendance_s, attendance_rows = stages.load_by_source["aanwezigheid"]
        load_attendance = attendance_rows / attendance_s
        show("load_attendance_rows_per_s", load_attendance)
        sticks = limits.yardsticks(url)
        show("yardstick_rows", sticks["rows"])
        show("raw_copy_rows_per_s", sticks["raw_copy"])
        show("copy_stream_rows_per_s", sticks["copy_stream"])
        show("to_sql_rows_per_s", sticks["to_sql"])
        show("load_vs_raw_copy", load_attendance / sticks["raw_copy"])
        show("raw_copy_attendance_rows_per_s", sticks["raw_copy_attendance"])
        show("load_vs_raw_copy_attendance", load_attendance / sticks["raw_copy_attendance"])
        raw_copy = sticks["raw_copy"]
        show("copy_stream_vs_raw_copy", sticks["copy_stream"] / sticks["raw_copy"])
        show("load_vs_to_sql", load_attendance / sticks["to_sql"])

    measured, warm_up = workload(out, shape, jobs)
    with fresh_database() as url:
        with passes.warm_workers(workers, warm_up) as pool:
            seconds, rows = passes.plainly(url, jobs, pool)
        show("end_to_end_workers", workers)
        show("end_to_end_s", seconds)
        show("end_to_end_rows_per_s", rows / seconds)
        show("end_to_end_vs_raw_copy", rows / seconds / raw_copy)
        show("end_to_end_ms_per_file", 1000 * seconds / files)
        # The largest process so far, the end-to-end workers included: their pool is shut down, so they have exited
        # and been waited for, which is when RUSAGE_CHILDREN counts a process.
        show("peak_memory_mb", max(resource.getrusage(who).ru_maxrss
                                   for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024)
        period.analyze(url)  # as the ingest leaves it after a large load
        figures = period.indicators(url, jobs)
        for name, value in figures.items():
            show(name, value)
        # Linear in the coalitions (each has the same schools and children at every scale): at scale 1 the measured.
        show("indicators_s_national", figures["indicators_s"] * COALITIONS / shape.coalitions)
        for name, value in period.reports(url, jobs).items():
            show(name, value)

    sampled = measured[:sample_coalitions] if sample_coalitions else measured
    show("workload_coalitions", len(sampled))
    taken, idle = {}, {}
    with passes.warm_workers(workers, warm_up) as pool:
        for count in sorted({1, workers}):  # the same warm processes: one coalition at a time, then `workers`
            with fresh_database() as url:
                busy_before, idle_before = passes.cpu_jiffies()
                taken[count], _ = passes.plainly(url, sampled, pool, one_at_a_time=count == 1)
                busy_after, idle_after = passes.cpu_jiffies()
                idle[count] = (idle_after - idle_before) / max(busy_after - busy_before + idle_after - idle_before, 1)
        with fresh_database() as flow_url, fresh_database() as plain_url, fresh_database() as process_url:
            prefect = pool.submit(passes.through_prefect, flow_url, plain_url, process_url,
                                  [config_path for config_path, _, _ in sampled], warm_up).result()
    for count, seconds in taken.items():
        show(f"coalitions_per_minute_{count}_worker{'s' if count > 1 else ''}", 60 * len(sampled) / seconds)
        # the share of the machine's CPU left idle meanwhile: near 0 with two workers, the neighbours took the cores
        show(f"idle_cpu_share_{count}_worker{'s' if count > 1 else ''}", idle[count])
    if workers == 2:
        show("two_workers_speedup", taken[1] / taken[2])
    show("prefect_flow_s", prefect["flow"])
    show("prefect_plain_s", prefect["plain"])
    show("prefect_overhead", prefect["flow"] / prefect["plain"] - 1)
    show("prefect_process_s", prefect["process"])  # a new process per flow run, as on a process work pool
    show("prefect_process_overhead", prefect["process"] / prefect["plain"] - 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.001)
    parser.add_argument("--out", type=Path, help="where to write the deliveries (default: a temporary folder)")
    parser.add_argument("--workers", type=int, default=2,
                        help="coalitions ingested at once end to end, in processes (default 2)")
    parser.add_argument("--sample-coalitions", type=int,
                        help="time the stages, the worker comparison and the Prefect flow on the first N coalitions "
                             "only (default: all)")
    args = parser.parse_args(argv)
    with bench_server():
        if args.out:
            run(args.scale, args.out, args.workers, args.sample_coalitions)
            return
        with tempfile.TemporaryDirectory(prefix="kansenmonitor-bench-") as folder:
            run(args.scale, Path(folder), args.workers, args.sample_coalitions)


if __name__ == "__main__":
    sys.exit(main())
