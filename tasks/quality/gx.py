"""Running the gate's suites with Great Expectations (GX Core 1.x).

One ephemeral context per run: the suites are rebuilt from the catalogue every time, and no GX state is
kept. GX's Data Docs are not written: their pages load scripts, styles and a logo from third parties and
name no school; the steward reads the findings in kansenmonitor's own page (`reports/quality_page.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from tasks.quality.checks import Check, Suite


class QualityCheckError(RuntimeError):
    """A check's query could not run: a defect of the gate, never a finding about the data."""


@dataclass(frozen=True)
class Outcome:
    """A check's result: the rows that broke its rule (at most 200, Great Expectations' limit) and how many
    there were in all."""

    check: Check
    rows: list[dict]
    unexpected: int


def validate(url: str, suites: list[Suite], run_name: str) -> list[Outcome]:
    """Validate every suite against the database at `url` in one checkpoint."""
    if not suites:
        return []
    context = gx.get_context(mode="ephemeral", project_config=_project())
    source = _add_source(context, url)
    checks: dict[str, Check] = {}
    definitions = []
    try:
        for suite in suites:
            batch = source.add_query_asset(suite.name, query=suite.asset).add_batch_definition_whole_table(suite.name)
            expectations = context.suites.add(gx.ExpectationSuite(name=suite.name))
            for check in suite.checks:
                expectations.add_expectation(gxe.UnexpectedRowsExpectation(
                    unexpected_rows_query=check.query, description=check.rule, meta={"check": check.name}))
                checks[check.name] = check
            definitions.append(context.validation_definitions.add(
                gx.ValidationDefinition(name=suite.name, data=batch, suite=expectations)))
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name="kwaliteitspoort", validation_definitions=definitions, actions=[],
            result_format={"result_format": "COMPLETE"}))
        result = checkpoint.run(run_id=RunIdentifier(run_name=run_name))
    finally:
        source.get_engine().dispose()
    outcomes = []
    for suite_result in result.run_results.values():
        for item in suite_result.results:
            check = checks[item.expectation_config.meta["check"]]
            error = _error(item.exception_info or {})
            if error:
                raise QualityCheckError(f"controle {check.name} kon niet worden uitgevoerd: {error}")
            outcomes.append(Outcome(check, item.result["details"]["unexpected_rows"], item.result["observed_value"]))
    return outcomes


def _add_source(context, url: str):
    """The data source type for the database, so GX uses its dialect-specific behaviour."""
    sources = context.data_sources
    add = sources.add_sqlite if url.startswith("sqlite") else sources.add_postgres
    return add("kansenmonitor", connection_string=url)


def _project() -> DataContextConfig:
    """In-memory stores, no progress bars, no analytics, no Data Docs sites."""
    return DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(), analytics_enabled=False,
                             progress_bars=ProgressBarsConfig(globally=False), data_docs_sites={})


def _error(info: dict) -> str | None:
    """The exception message GX recorded, whether it reports one exception or one per metric."""
    if "raised_exception" in info:
        return info["exception_message"] if info["raised_exception"] else None
    return next((e["exception_message"] for e in info.values() if isinstance(e, dict) and e.get("raised_exception")),
                None)
