"""Send the reports by email, each at most once, with the `report_dispatch` table as the ledger.

A report is composed once into an `.eml` file and recorded as `pending`. Delivering it first claims the
row (`pending` -> `sending`) in its own transaction, so two runs never hand the same message to a server;
the server's acceptance makes it `sent`, a failure puts it back to `pending` for the next run. A run
that dies between claim and answer leaves `sending`: the message may or may not have gone out, so it
is reported and never retried by itself.

Without an SMTP host the message is written to `out_dir/outbox/` instead, and that counts as delivered
(`sent`, with the outbox path): the outbox is where a person picks the mail up, and writing it again
on every run would hand them duplicates.
"""

from __future__ import annotations

import datetime as dt
import shutil
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, insert, select, update

from kansenmonitor.config import AUDIENCES, Config
from kansenmonitor.db import ReportDispatch
from kansenmonitor.periods import Period
from kansenmonitor.publication import coverages
from kansenmonitor.safe_output import reject_line_breaks
from kansenmonitor.settings import settings
from tasks.quality.release import is_held

TIMEOUT_SECONDS = 30
HELD = ("tegengehouden door de kwaliteitscontrole; bekijk de kwaliteitspagina (kwaliteit-{period}.html) en "
        "geef vrij met 'kansenmonitor release --period {period}'")


class Chart(Protocol):
    name: str
    cid: str
    png: bytes


class Report(Protocol):
    """A rendered report as mail sends it; `reports.build.Report` is one."""

    audience: str
    area: str | None
    name: str
    subject: str
    html: str
    text: str
    html_path: Path
    pdf_path: Path
    charts: list[Chart]
    recipients: list[str]
    sender_name: str
    reply_to: tuple[str, ...]
    attachment_name: str


class ReportsNotSent(RuntimeError):
    """Some messages are still pending after a send; a later attempt sends only those."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None
    port: int
    security: str
    sender: str
    user: str | None
    password: str | None
    ca_file: Path | None = None  # the certificate authorities to trust instead of the system's


@dataclass(frozen=True)
class Dispatch:
    """What happened to one report email in this run."""

    audience: str
    area: str
    recipients: str
    status: str  # sent | already_sent | pending | sending | skipped | held
    path: str
    error: str = ""

    def __str__(self) -> str:
        who = f"{self.audience}{' ' + self.area if self.area else ''}"
        text = {"sent": f"verzonden aan {self.recipients}", "already_sent": "was al eerder verzonden",
                "pending": "niet verzonden, volgt bij de volgende run", "skipped": "geen ontvangers ingesteld",
                "sending": "verzending onderbroken: controleer of het bericht aankwam",
                "held": "niet verzonden"}[self.status]
        return f"{who}: {text} ({self.path}){' — ' + self.error if self.error else ''}"


def smtp_settings(config: Config) -> SmtpSettings:
    """The configuration's `smtp`, overridden by KANSENMONITOR_SMTP_*; credentials never from the configuration."""
    environment = settings()
    user, password = _credentials(environment)
    sender = reject_line_breaks("sender", environment.smtp_sender or config.smtp.sender)
    return SmtpSettings(environment.smtp_host or config.smtp.host or None, environment.smtp_port or config.smtp.port,
                        environment.smtp_security or config.smtp.security, sender, user, password,
                        environment.smtp_ca_file)


def _credentials(environment) -> tuple[str | None, str | None]:
    """User and password from the environment, else from the Prefect Secret block that
    KANSENMONITOR_SMTP_SECRET_BLOCK names, holding `{"user": ..., "password": ...}`."""
    user, password, block = environment.smtp_user, environment.smtp_password, environment.smtp_secret_block
    if not (user or password) and block:
        from prefect.blocks.system import Secret

        stored = Secret.load(block).get()
        if not isinstance(stored, dict) or not {"user", "password"} <= stored.keys():
            raise ValueError(f"the Prefect Secret block '{block}' (KANSENMONITOR_SMTP_SECRET_BLOCK) must hold "
                             '{"user": ..., "password": ...}')
        user, password = stored["user"], stored["password"]
    return user or None, password or None


def new_message(subject: str, sender: str, recipients: list[str], sender_name: str = "") -> EmailMessage:
    """A message with kansenmonitor's headers, each refused when it carries a line break (header injection)."""
    message = EmailMessage()
    message["Subject"] = reject_line_breaks("subject", subject)
    message["From"] = formataddr((reject_line_breaks("sender name", sender_name),
                                  reject_line_breaks("sender", sender)))
    message["To"] = ", ".join(reject_line_breaks("recipient", r) for r in recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="kansenmonitor")
    return message


def compose(report: Report, sender: str) -> EmailMessage:
    """HTML body with its charts inline (multipart/related), a plain-text alternative, the PDF attached.

    The sender shows the programme's name, replies go to the data steward, and the attachment is named by
    programme, period and audience, so a saved PDF can be told from last period's."""
    message = new_message(report.subject, sender, report.recipients, report.sender_name)
    if report.reply_to:
        message["Reply-To"] = ", ".join(reject_line_breaks("steward", r) for r in report.reply_to)
    message.set_content(report.text)
    message.add_alternative(report.html, subtype="html")
    html_part = message.get_payload()[1]
    for chart in report.charts:
        html_part.add_related(chart.png, "image", "png", cid=f"<{chart.cid}>", filename=f"{chart.name}.png",
                              disposition="inline")
    message.add_attachment(report.pdf_path.read_bytes(), "application", "pdf",
                           filename=report.attachment_name or report.pdf_path.name)
    return message


def _record(engine: Engine, coalition: str, period: str, report: Report, sender: str, folder: Path):
    """Keep the composed message as pending; a report already sent (or being sent) is left alone and its
    ledger row (status, message_path) returned."""
    area = report.area or ""
    key = (ReportDispatch.coalition == coalition, ReportDispatch.period == period,
           ReportDispatch.audience == report.audience, ReportDispatch.area == area)
    with engine.begin() as conn:
        earlier = conn.execute(select(ReportDispatch.status, ReportDispatch.message_path).where(*key)).first()
        if earlier is not None and earlier.status in ("sent", "sending"):
            return earlier
        path = (folder / f"{report.name}.eml").resolve()
        path.write_bytes(compose(report, sender).as_bytes(policy=SMTP))
        values = {"recipients": ", ".join(report.recipients), "subject": report.subject, "message_path": str(path)}
        if earlier is None:
            conn.execute(insert(ReportDispatch).values(coalition=coalition, period=period, audience=report.audience,
                                                       area=area, status="pending", created_at=dt.datetime.now(),
                                                       **values))
        else:
            conn.execute(update(ReportDispatch).where(*key).values(**values))
    return None


def _set_status(engine: Engine, dispatch_id: int, old: str, new: str, **values) -> bool:
    """Move a dispatch from `old` to `new`; False when another run moved it first."""
    with engine.begin() as conn:
        moved = conn.execute(update(ReportDispatch).where(ReportDispatch.id == dispatch_id,
                                                          ReportDispatch.status == old).values(status=new, **values))
        return moved.rowcount == 1


def smtp_send(settings: SmtpSettings, recipients: list[str], data: bytes) -> dict:
    """Hand the message to the server; the recipients it refused (the others got it)."""
    context = ssl.create_default_context(cafile=settings.ca_file)
    if settings.security == "ssl":
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    with client:
        if settings.security == "starttls":
            client.starttls(context=context)
        if settings.user:
            client.login(settings.user, settings.password or "")
        return client.sendmail(settings.sender, recipients, data)


def _deliver(engine: Engine, settings: SmtpSettings, row, outbox: Path) -> Dispatch:
    """Send one pending message (or put it in the outbox) and record the outcome."""
    result = dict(audience=row.audience, area=row.area, recipients=row.recipients, path=row.message_path)
    message = Path(row.message_path)
    if not message.exists():
        return Dispatch(**result, status="pending", error=f"het bericht {message} bestaat niet meer")
    if settings.host is None:
        outbox.mkdir(parents=True, exist_ok=True)
        target = outbox / f"{row.coalition}-{row.period}-{message.name}"
        shutil.copyfile(message, target)
        _set_status(engine, row.id, "pending", "sent", sent_at=dt.datetime.now(), message_path=str(target))
        return Dispatch(**dict(result, path=str(target)), status="sent")
    if not _set_status(engine, row.id, "pending", "sending"):
        return Dispatch(**result, status="already_sent")
    try:
        refused = smtp_send(settings, row.recipients.split(", "), message.read_bytes())
    except (OSError, smtplib.SMTPException) as exc:
        _set_status(engine, row.id, "sending", "pending")
        return Dispatch(**result, status="pending",
                        error=f"SMTP-server {settings.host}:{settings.port}: {exc.__class__.__name__}: {exc}")
    _set_status(engine, row.id, "sending", "sent", sent_at=dt.datetime.now())
    error = f"geweigerd door de server: {', '.join(refused)}" if refused else ""
    return Dispatch(**result, status="sent", error=error)


def unsent_reports(engine: Engine, config: Config, period: str) -> list[str]:
    """The period's reports with recipients that no close handed to the mail server yet: never recorded, or still
    pending (held by the quality gate, or refused by the server). An interrupted send (`sending`) is not among
    them: another close would not send it either."""
    wanted = [(c.audience, c.area or "") for c in coverages(config, list(AUDIENCES), period)
              if config.recipients_for(c.audience, c.area)]
    with engine.connect() as conn:
        handed = set(conn.execute(select(ReportDispatch.audience, ReportDispatch.area).where(
            ReportDispatch.coalition == config.slug, ReportDispatch.period == period,
            ReportDispatch.status.in_(("sent", "sending")))).tuples())
    return [f"{audience} {area}".strip() for audience, area in wanted if (audience, area) not in handed]


def send_reports(engine: Engine, config: Config, period: Period | str, reports: list[Report],
                 out_dir: Path) -> list[Dispatch]:
    """Record every report as pending, then deliver every pending message of the period, earlier ones too.

    One failing message never stops the others: its error is in its Dispatch and it stays pending. While the
    quality gate holds the period, everything stays pending until the steward releases it.
    """
    settings = smtp_settings(config)
    period = str(period)
    folder = Path(out_dir) / "reports" / period
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for report in reports:
        area = report.area or ""
        if not report.recipients:
            results.append(Dispatch(report.audience, area, "", "skipped", str(report.html_path)))
            continue
        earlier = _record(engine, config.slug, period, report, settings.sender, folder)
        if earlier:
            results.append(Dispatch(report.audience, area, ", ".join(report.recipients),
                                    "already_sent" if earlier.status == "sent" else "sending", earlier.message_path))
    with engine.connect() as conn:
        pending = conn.execute(select(ReportDispatch).where(
            ReportDispatch.coalition == config.slug, ReportDispatch.period == period,
            ReportDispatch.status == "pending").order_by(ReportDispatch.id)).all()
    if is_held(engine, config, period):
        return results + [Dispatch(row.audience, row.area, row.recipients, "held", row.message_path,
                                   error=HELD.format(period=period)) for row in pending]
    return results + [_deliver(engine, settings, row, Path(out_dir) / "outbox") for row in pending]
