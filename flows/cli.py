"""The `kansenmonitor` command: the same flows the schedule runs, by hand."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from kansenmonitor.config import ConfigError, load_config
from kansenmonitor.db import database, database_url
from kansenmonitor.migrate import migrate
from kansenmonitor.periods import parse_period

app = typer.Typer(help="kansenmonitor: van aanlevering tot adviesrapport, elk half jaar.", no_args_is_help=True)
console = Console(soft_wrap=True)

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="Programme configuration (YAML).")]
DbOption = Annotated[Optional[str], typer.Option("--db", help="Database URL; default KANSENMONITOR_DATABASE_URL "
                                                 "or sqlite:///var/kansenmonitor.db.")]
OutOption = Annotated[Path, typer.Option("--out", help="Output folder for indicators.csv, reports and outbox.")]
PeriodOption = Annotated[str, typer.Option("--period", help="Measurement period, e.g. 2024-2025-H1.")]


def _fail(message: str) -> None:
    console.print(f"[red]fout:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _config(path: Path):
    try:
        return load_config(path)
    except ConfigError as exc:
        _fail(str(exc))


def _period(name: str, config):
    try:
        return parse_period(name, config)
    except ValueError as exc:
        _fail(str(exc))


def _print_ingest(results) -> None:
    table = Table("bestand", "bron", "status", "gelezen", "geladen", "quarantaine", "melding")
    for r in results:
        table.add_row(r.file, r.source or "-", r.status, str(r.rows_read), str(r.rows_loaded),
                      str(r.rows_quarantined), r.message)
    console.print(table)


@app.command()
def ingest(config: ConfigOption, inbox: Annotated[Path, typer.Option(help="Folder with deliveries.")],
           db: DbOption = None,
           demo: Annotated[bool, typer.Option(help="Allow the built-in demo pseudonymisation key.")] = False,
           out: Annotated[Optional[Path], typer.Option("--out", help="Write the validation report here.")] = None,
           ) -> list:
    """Ingest every file in the inbox: load, quarantine or reject, one transaction per file."""
    from flows.ingest_inbox import ingest_inbox

    _config(config)
    if not inbox.is_dir():
        _fail(f"inbox '{inbox}' bestaat niet of is geen map")
    results = ingest_inbox(str(config), str(inbox), db, demo, str(out) if out else None)
    _print_ingest(results)
    if out:
        console.print(f"validatierapport: {out / 'validatie.html'}")
    return results


@app.command()
def close(config: ConfigOption, period: PeriodOption, db: DbOption = None, out: OutOption = Path("out")) -> None:
    """Close a period: quality gate, indicators, reports, email."""
    from flows.close_period import close_period

    _period(period, _config(config))
    result = close_period(str(config), period, db, str(out))
    gate = result["quality"]
    console.print(f"kwaliteitscontrole: {len(gate.problems)} bevindingen; Data Docs: {gate.data_docs}")
    for dispatch in result["dispatches"]:
        console.print(str(dispatch), highlight=False)
    console.print(f"indicatoren: {out / 'indicators.csv'}; rapporten: {out / 'reports' / period}")


@app.command()
def run(config: ConfigOption, inbox: Annotated[Path, typer.Option(help="Folder with deliveries.")],
        period: PeriodOption, db: DbOption = None, out: OutOption = Path("out"),
        demo: Annotated[bool, typer.Option(help="Allow the built-in demo pseudonymisation key.")] = False) -> None:
    """Ingest the inbox, then close the period; the validation report links the period's Data Docs."""
    from flows.ingest_inbox import write_steward_report

    results = ingest(config, inbox, db, demo, None)
    close(config, period, db, out)
    console.print(f"validatierapport: {write_steward_report(db, _config(config), results, out)}")


@app.command()
def failures(db: DbOption = None,
             config: Annotated[Optional[Path], typer.Option("--config", "-c", help="Only this coalition.")] = None,
             file: Annotated[Optional[str], typer.Option(help="Only this delivered file name.")] = None,
             source: Annotated[Optional[str], typer.Option(help="Only this source, e.g. aanwezigheid.")] = None,
             period: Annotated[Optional[str], typer.Option(help="Only this period.")] = None,
             all_: Annotated[bool, typer.Option("--all", help="Include failures already corrected.")] = False,
             csv: Annotated[Optional[Path], typer.Option("--csv", help="Write a correction sheet as CSV.")] = None,
             xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="Write a correction sheet as XLSX.")] = None,
             ) -> None:
    """Every quarantined row: file, sheet, row, column, value and reason; optionally as a correction sheet."""
    from tasks.ingest.failures import failed_rows, listing, write_correction_sheets

    coalition = _config(config).slug if config else None
    migrate(db)
    with database(db) as engine:
        rows = failed_rows(engine, coalition, file, source, period, include_resolved=all_)
    table = Table("bestand", "werkblad", "bron", "periode", "rij", "kolom", "waarde", "reden")
    for line in listing(rows):
        table.add_row(*[str(c) for c in line])
    console.print(table)
    console.print(f"{len(rows)} rijen in quarantaine")
    for target in (csv, xlsx):
        if target:
            for path in write_correction_sheets(rows, target):
                console.print(f"correctieblad: {path}")


@app.command()
def explain(indicator: str, config: ConfigOption, period: PeriodOption,
            scope_name: Annotated[str, typer.Option(help="Coalition, village/wijk or school name.")],
            db: DbOption = None) -> None:
    """The source files and rows an indicator value rests on."""
    from tasks.indicators.lineage import explain as lineage

    cfg = _config(config)
    try:
        with database(db) as engine:
            rows = lineage(engine, cfg, indicator, _period(period, cfg), scope_name)
    except ValueError as exc:
        _fail(str(exc))
    table = Table("bestand", "werkblad", "rijen", "aantal")
    for r in rows:
        table.add_row(r.file, r.sheet or "", r.rows_text, str(r.count))
    console.print(table)


@app.command()
def report(config: ConfigOption, period: PeriodOption,
           audience: Annotated[str, typer.Option(help="stuurgroep, lokale_coalitie or kernteam.")],
           preview: Annotated[bool, typer.Option(help="Write the files without sending.")] = False,
           db: DbOption = None, out: OutOption = Path("out")) -> None:
    """Render one audience's reports for a period; with --preview nothing is sent."""
    from flows.close_period import make_reports
    from tasks.deliver.mail import send_reports

    cfg = _config(config)
    p = _period(period, cfg)
    try:
        reports = make_reports(db, cfg, p, out, [audience])
    except ValueError as exc:
        _fail(str(exc))
    if preview:
        for r in reports:
            console.print(f"{r.html_path}\n{r.pdf_path}")
        return
    with database(db) as engine:
        for dispatch in send_reports(engine, cfg, p, reports, out):
            console.print(str(dispatch))


@app.command()
def release(config: ConfigOption, period: PeriodOption, db: DbOption = None,
            by: Annotated[str, typer.Option("--door", "--by", help="Who releases; default the login name.")] = "",
            ) -> None:
    """Release a period's reports that the quality gate held; the next close sends them."""
    from tasks.quality.release import release_period

    cfg = _config(config)
    migrate(db)
    with database(db) as engine:
        console.print(release_period(engine, cfg, _period(period, cfg), by or os.environ.get("USER") or "onbekend"),
                      highlight=False)


@app.command("migrate")
def migrate_command(db: DbOption = None) -> None:
    """Bring the database to the newest schema."""
    migrate(db)
    console.print(f"database bijgewerkt: {database_url(db)}")


@app.command()
def demo(out: OutOption = Path("out/demo"),
         db: Annotated[str, typer.Option("--db")] = "sqlite:///var/demo.db") -> None:
    """Generate example deliveries for both coalitions and run the whole cycle on them (SQLite, outbox)."""
    from flows.demo import run_demo

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    run_demo(out, db, console)


if __name__ == "__main__":
    app()
