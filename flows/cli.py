"""The `kansenmonitor` command: the same flows the schedule runs, by hand; in Dutch, for the people who use it.

Exit codes: 0 done, 1 open failures remain and `--streng` was given, 2 an error (`fout: ...`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import smtplib
import sys
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import OperationalError

from kansenmonitor.config import ConfigError, load_config
from kansenmonitor.db import database, database_url
from kansenmonitor.dutch import plural
from kansenmonitor.existing_db import DatabaseMissing, open_existing
from kansenmonitor.migrate import migrate
from kansenmonitor.periods import parse_period

app = typer.Typer(help="kansenmonitor: van aanlevering tot adviesrapport, elk half jaar.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False, rich_markup_mode=None,
                  context_settings={"help_option_names": ["--help", "-h"]})
console = Console(soft_wrap=True, highlight=False)

ConfigOption = Annotated[Path, typer.Option("--config", "-c", metavar="BESTAND",
                                            help="Configuratie van het programma (YAML).")]
DbOption = Annotated[Optional[str], typer.Option("--db", metavar="URL", help="Database-URL; standaard "
                                                 "KANSENMONITOR_DATABASE_URL of sqlite:///var/kansenmonitor.db.")]
OutOption = Annotated[Path, typer.Option("--out", metavar="MAP", show_default=False,
                                         help="Uitvoermap voor indicatoren, rapporten en outbox (standaard out).")]
PeriodOption = Annotated[str, typer.Option("--period", metavar="PERIODE",
                                           help="Meetperiode, bijvoorbeeld 2024-2025-H1.")]
StrictOption = Annotated[bool, typer.Option("--streng", help="Eindig met code 1 als er nog open fouten zijn "
                                            "(voor scripts).")]
DemoOption = Annotated[bool, typer.Option("--demo", help="Sta de ingebouwde demosleutel voor pseudonimisering toe.")]
InboxOption = Annotated[Path, typer.Option("--inbox", metavar="MAP", help="Map met aanleveringen.")]
OPEN_FAILURES_EXIT = 1


def _fail(message: str, code: int = 2) -> None:
    console.print(f"fout: {message}", markup=False)
    raise typer.Exit(code)


DEBUG = {"on": False}


class _NoTraceback(logging.Filter):
    """Prefect logs a failed run with its traceback; outside --debug the one line of `_operational` says it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text = None, None
        return True


def _one_line(exc: BaseException) -> str:
    from tasks.ingest.files import DatabaseUnavailable

    if isinstance(exc, OperationalError):
        reason = (str(exc.orig or exc).strip().splitlines() or [""])[0]
        return f"database niet bereikbaar of verbinding verbroken: {reason}"
    if isinstance(exc, (smtplib.SMTPException, ConnectionError)) and not isinstance(exc, DatabaseUnavailable):
        return f"mailserver niet bereikbaar of weigert: {type(exc).__name__}: {exc}".splitlines()[0]
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _operational(command):
    """Operational errors (database, mail server, pseudonymisation key) end a command with one clear line and exit
    code 1; the traceback only under --debug."""
    @functools.wraps(command)
    def run(*args, **kwargs):
        from flows.retries import TRANSIENT
        from tasks.ingest.pseudonymise import MissingKeyError

        quiet = None
        if not DEBUG["on"]:
            quiet = _NoTraceback()
            for handler in logging.getLogger("prefect").handlers:
                handler.addFilter(quiet)
        try:
            return command(*args, **kwargs)
        except (*TRANSIENT, MissingKeyError) as exc:
            if DEBUG["on"]:
                raise
            _fail(_one_line(exc), 1)
        finally:
            if quiet:
                for handler in logging.getLogger("prefect").handlers:
                    handler.removeFilter(quiet)
    return run


def _reachable(db: str | None) -> None:
    """Fail at once, in one line, when the database cannot be reached, before any flow starts."""
    with database(db) as engine, engine.connect():
        pass


def _version(show: bool) -> None:
    if show:
        console.print(f"kansenmonitor {package_version('kansenmonitor')}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                               help="Toon de versie en stop.")] = False,
         debug: Annotated[bool, typer.Option("--debug", help="Toon bij een fout van database of mailserver de "
                                             "volledige traceback.")] = False) -> None:
    """kansenmonitor: van aanlevering tot adviesrapport, elk half jaar."""
    DEBUG["on"] = debug


def _existing(db: str | None):
    """The database of a command that only reads (or marks) it: never created here."""
    try:
        engine = open_existing(db)
    except DatabaseMissing as exc:
        _fail(str(exc))
    migrate(db)
    return engine


def _strict(config, db: str | None) -> None:
    """With --streng: exit 1 while the coalition has open failures."""
    from tasks.ingest.failures import failed_rows

    with database(db) as engine:
        still_open = len(failed_rows(engine, config.slug))
    if still_open:
        console.print(f"{plural(still_open, 'rij staat', 'rijen staan')} nog open in quarantaine (--streng)")
        raise typer.Exit(OPEN_FAILURES_EXIT)


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
    from kansenmonitor.dutch import DELIVERY_STATUS

    table = Table("bestand", "bron", "status", "gelezen", "geladen", "quarantaine", "melding")
    for r in results:
        table.add_row(r.file, r.source or "-", DELIVERY_STATUS[r.status], str(r.rows_read), str(r.rows_loaded),
                      str(r.rows_quarantined), r.message)
    console.print(table)


@app.command()
@_operational
def ingest(config: ConfigOption, inbox: InboxOption, db: DbOption = None, demo: DemoOption = False,
           out: Annotated[Optional[Path], typer.Option("--out", metavar="MAP",
                                                       help="Schrijf hier het validatierapport.")] = None,
           streng: StrictOption = False) -> list:
    """Verwerk elk bestand in de inbox: laden, in quarantaine zetten of weigeren, één transactie per bestand."""
    from flows.ingest_inbox import ingest_inbox
    from tasks.ingest.pseudonymise import pseudonym_key

    cfg = _config(config)
    if not inbox.is_dir():
        _fail(f"inbox '{inbox}' bestaat niet of is geen map")
    _reachable(db)
    pseudonym_key(demo)  # refuses a missing or short key before any flow starts
    results = asyncio.run(ingest_inbox(str(config), str(inbox), db, demo, str(out) if out else None))
    _print_ingest(results)
    if out:
        console.print(f"validatierapport: {out / 'validatie.html'}")
    if streng:
        _strict(cfg, db)
    return results


@app.command()
@_operational
def close(config: ConfigOption, period: PeriodOption, db: DbOption = None, out: OutOption = Path("out")) -> None:
    """Sluit een periode af: kwaliteitscontrole, indicatoren, rapporten, e-mail."""
    from flows.close_period import close_period

    _period(period, _config(config))
    _reachable(db)
    result = asyncio.run(close_period(str(config), period, db, str(out)))
    gate = result["quality"]
    console.print(f"kwaliteitscontrole: {plural(len(gate.problems), 'bevinding', 'bevindingen')}; "
                  f"kwaliteitspagina: {gate.page}")
    for dispatch in result["dispatches"]:
        console.print(str(dispatch))
    console.print(f"indicatoren: {out / f'indicatoren-{period}.csv'}; rapporten: {out / 'reports' / period}")


@app.command()
@_operational
def run(config: ConfigOption, inbox: InboxOption, period: PeriodOption, db: DbOption = None,
        out: OutOption = Path("out"), demo: DemoOption = False, streng: StrictOption = False) -> None:
    """Verwerk de inbox en sluit daarna de periode af; het validatierapport linkt naar de kwaliteitspagina."""
    from flows.ingest_inbox import write_steward_report

    results = ingest(config, inbox, db, demo, None)
    close(config, period, db, out)
    console.print(f"validatierapport: {write_steward_report(db, _config(config), results, out)}")
    if streng:
        _strict(_config(config), db)


@app.command()
@_operational
def failures(db: DbOption = None,
             config: Annotated[Optional[Path], typer.Option(
                 "--config", "-c", metavar="BESTAND",
                 help="Alleen deze coalitie; ook de keuzelijsten van het correctieblad.")] = None,
             file: Annotated[Optional[str], typer.Option("--file", metavar="NAAM",
                                                         help="Alleen dit aangeleverde bestand.")] = None,
             source: Annotated[Optional[str], typer.Option("--source", metavar="BRON",
                                                           help="Alleen deze bron, bijv. aanwezigheid.")] = None,
             period: Annotated[Optional[str], typer.Option("--period", metavar="PERIODE",
                                                           help="Alleen deze periode.")] = None,
             all_: Annotated[bool, typer.Option("--all", help="Ook fouten die al gecorrigeerd zijn: de hele "
                                                "geschiedenis.")] = False,
             form: Annotated[str, typer.Option("--format", metavar="FORMAAT", show_default=False,
                                               help="blokken (standaard), regels, tabel, csv of json.")] = "blokken",
             csv: Annotated[Optional[Path], typer.Option("--csv", metavar="BESTAND",
                                                         help="Schrijf een correctieblad per bron als CSV.")] = None,
             xlsx: Annotated[Optional[Path], typer.Option("--xlsx", metavar="BESTAND", help="Schrijf één "
                                                          "correctiewerkmap (XLSX), een werkblad per bron.")] = None,
             streng: StrictOption = False) -> None:
    """Elke rij in quarantaine: bestand, werkblad, rij, kolom, waarde en reden; desgewenst als correctieblad."""
    from flows.failure_output import FORMATS, render
    from tasks.ingest.correction_workbook import write_correction_workbook
    from tasks.ingest.failures import by_source, failed_rows, write_correction_csvs

    if form not in FORMATS:
        _fail(f"onbekend formaat '{form}'; kies uit: {', '.join(FORMATS)}")
    cfg = _config(config) if config else None
    engine = _existing(db)
    try:
        rows = failed_rows(engine, cfg.slug if cfg else None, file, source, period, include_resolved=all_)
    finally:
        engine.dispose()
    sys.stdout.write(render(rows, form))
    still_open = sum(1 for r in rows if not r.resolved_by)
    if form not in ("csv", "json"):
        console.print(f"{len(rows)} rijen in quarantaine" if not all_ else
                      f"{len(rows)} rijen, waarvan {still_open} open")
    if csv:
        for path in write_correction_csvs([r for r in rows if not r.resolved_by], csv):
            console.print(f"correctieblad: {path}")
    if xlsx:
        path = write_correction_workbook(by_source([r for r in rows if not r.resolved_by]), xlsx, cfg)
        console.print(f"correctiewerkmap: {path}")
    if streng and still_open:
        raise typer.Exit(OPEN_FAILURES_EXIT)


@app.command()
@_operational
def explain(indicator: Annotated[str, typer.Argument(metavar="INDICATOR", help="De indicator, bijv. deelnemers.")],
            config: ConfigOption, period: PeriodOption,
            scope_name: Annotated[str, typer.Option("--scope-name", metavar="NAAM",
                                                    help="Coalitie, dorp/wijk of school.")],
            db: DbOption = None) -> None:
    """De bestanden en rijen waarop een indicatorwaarde rust."""
    from tasks.indicators.lineage import explain as lineage

    cfg = _config(config)
    engine = _existing(db)
    try:
        rows = lineage(engine, cfg, indicator, _period(period, cfg), scope_name)
    except ValueError as exc:
        _fail(str(exc))
    finally:
        engine.dispose()
    table = Table("bestand", "werkblad", "rijen", "aantal")
    for r in rows:
        table.add_row(r.file, r.sheet or "", r.rows_text, str(r.count))
    console.print(table)


@app.command()
@_operational
def report(config: ConfigOption, period: PeriodOption,
           audience: Annotated[str, typer.Option("--audience", metavar="DOELGROEP",
                                                 help="stuurgroep, lokale_coalitie, kernteam, of een "
                                                      "jaarrapport uit reporting.yearly (jaarverslag, "
                                                      "vervolgbesluit).")],
           preview: Annotated[bool, typer.Option("--preview", help="Schrijf de bestanden zonder te verzenden.")
                              ] = False,
           db: DbOption = None, out: OutOption = Path("out")) -> None:
    """Maak de rapporten van één doelgroep voor een periode; met --preview wordt niets verzonden."""
    from flows.close_period import make_reports
    from tasks.deliver.mail import send_reports

    cfg = _config(config)
    p = _period(period, cfg)
    _existing(db).dispose()
    try:
        reports = make_reports(db, cfg, p, out, [audience])
    except ValueError as exc:
        _fail(str(exc))
    if not reports:
        _fail(f"geen {audience} voor {p.name}: een jaarrapport hoort bij de perioden die reporting.yearly noemt "
              "(standaard het laatste halfjaar van een schooljaar), en alleen als het daar staat")
    if preview:
        for r in reports:
            console.print(f"{r.html_path}\n{r.pdf_path}")
        return
    with database(db) as engine:
        for dispatch in send_reports(engine, cfg, p, reports, out):
            console.print(str(dispatch))


@app.command()
@_operational
def release(config: ConfigOption, period: PeriodOption, db: DbOption = None,
            by: Annotated[str, typer.Option("--door", "--by", metavar="NAAM",
                                            help="Wie vrijgeeft; standaard de inlognaam.")] = "",
            ) -> None:
    """Geef de rapporten van een periode vrij die de kwaliteitscontrole tegenhield; de volgende afsluiting
    verzendt ze."""
    from tasks.quality.release import release_period

    cfg = _config(config)
    engine = _existing(db)
    try:
        console.print(release_period(engine, cfg, _period(period, cfg), by or os.environ.get("USER") or "onbekend"))
    finally:
        engine.dispose()


@app.command()
@_operational
def duiding(config: ConfigOption,
            period: Annotated[str, typer.Option("--periode", "--period", metavar="PERIODE",
                                                help="Meetperiode die geduid wordt, bijvoorbeeld 2024-2025-H2.")],
            goal: Annotated[str, typer.Option("--doel", metavar="DOEL",
                                              help="Nummer van het doel zoals in het rapport (1, 2, ...) of de "
                                                   "titel.")],
            text: Annotated[str, typer.Option("--tekst", metavar="TEKST",
                                              help="De duiding van de lokale coalitie bij dit doel.")] = "",
            by: Annotated[str, typer.Option("--door", metavar="NAAM", help="Wie de duiding schreef.")] = "",
            approved_by: Annotated[str, typer.Option("--goedgekeurd-door", metavar="NAAM",
                                                     help="Wie de duiding goedkeurde; zonder --tekst keurt dit de "
                                                          "bestaande duiding goed.")] = "",
            db: DbOption = None) -> None:
    """Leg de duiding van de lokale coalitie bij een doel vast, of keur die goed; de stuurgroep leest haar in het
    advies, met wie duidde en wie goedkeurde. Een nieuwe duiding vervangt de vorige (die bewaard blijft)."""
    from tasks.ingest.interpretation import InterpretationRefused, record_interpretation

    cfg = _config(config)
    p = _period(period, cfg)
    engine = _existing(db)
    try:
        recorded = record_interpretation(engine, cfg, p, goal, text, by, approved_by)
    except InterpretationRefused as exc:
        _fail(str(exc))
    finally:
        engine.dispose()
    approval = f"goedgekeurd door {recorded.approved_by}" if recorded.approved_by else "nog niet goedgekeurd"
    console.print(f"duiding vastgelegd voor '{recorded.goal}' ({p.name}): door {recorded.interpreted_by}, "
                  f"{approval}", markup=False)


@app.command("migrate")
@_operational
def migrate_command(db: DbOption = None) -> None:
    """Breng de database naar het nieuwste schema (maakt hem aan als hij nog niet bestaat)."""
    migrate(db)
    console.print(f"database bijgewerkt: {database_url(db)}")


@app.command()
@_operational
def demo(out: Annotated[Path, typer.Option("--out", metavar="MAP", show_default=False,
                                           help="Uitvoermap van de demo (standaard out/demo).")] = Path("out/demo"),
         db: Annotated[str, typer.Option("--db", metavar="URL", show_default=False, help="Database-URL van de demo "
                                         "(standaard sqlite:///var/demo.db).")] = "sqlite:///var/demo.db") -> None:
    """Maak voorbeeldaanleveringen voor beide coalities en draai er de hele cyclus op (SQLite, outbox)."""
    from flows.demo import run_demo

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    run_demo(out, db, console)


if __name__ == "__main__":
    app()
