"""Tell the data steward when a run fails: scheduled runs happen when nobody is watching the UI.

The notification goes out through the report mail settings (KANSENMONITOR_SMTP_*, else the configuration's
`smtp`). Without a mail server, or when it refuses, the message lands as an .eml in the run's outbox, where
the report mail would have gone too.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from prefect.logging.loggers import flow_run_logger
from prefect.utilities.urls import url_for

from kansenmonitor.config import Config, ConfigError, load_config
from tasks.deliver.mail import new_message, smtp_send, smtp_settings

# How the notice says the run ended, for the hooks' states; Prefect's own words (Failed, Crashed, "Flow run
# encountered an exception") are English.
ENDED = {"FAILED": "mislukt", "CRASHED": "afgebroken: het proces van de run stopte onverwacht"}
PREFECT_PREFIX = "Flow run encountered an exception: "


def failure_message(flow_name: str, flow_run, state, config: Config, sender: str) -> EmailMessage:
    """Subject naming the flow, the run and the coalition; body with the error, the parameters and a UI link."""
    parameters = "\n".join(f"  {key}: {value}" for key, value in sorted(flow_run.parameters.items()))
    message = new_message(f"Kansenmonitor {config.programme.name}: {flow_name} mislukt (run {flow_run.name})",
                          sender, config.steward)
    message.set_content(
        f"De run '{flow_run.name}' van {flow_name} voor {config.programme.name} is "
        f"{ENDED.get(state.type.name, 'mislukt')}.\n\n"
        f"Fout: {(state.message or '(geen melding)').removeprefix(PREFECT_PREFIX)}\n\n"
        f"Run-id: {flow_run.id}\n"
        f"In de Prefect UI: {url_for(flow_run) or '(geen UI ingesteld)'}\n\n"
        f"Parameters:\n{parameters}\n")
    return message


def notify_steward(flow, flow_run, state) -> None:
    """`on_failure` / `on_crashed` hook: mail the coalition's steward, or leave the message in the outbox."""
    logger = flow_run_logger(flow_run, flow)
    try:
        config = load_config(flow_run.parameters["config_path"])
        settings = smtp_settings(config)
    except (KeyError, ConfigError, ValueError) as exc:
        logger.error("de datasteward kan niet worden gewaarschuwd: %s", exc)
        return
    message = failure_message(flow.name, flow_run, state, config, settings.sender)
    if settings.host and config.steward:
        try:
            smtp_send(settings, config.steward, message.as_bytes(policy=SMTP))
            logger.info("datasteward gewaarschuwd: %s", ", ".join(config.steward))
            return
        except (OSError, smtplib.SMTPException) as exc:
            logger.error("waarschuwing aan de datasteward niet verzonden (%s); bewaard in de outbox", exc)
    outbox = Path(flow_run.parameters.get("out_dir") or "out") / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"mislukt-{flow.name}-{flow_run.id}.eml"
    path.write_bytes(message.as_bytes(policy=SMTP))
    logger.info("waarschuwing voor de datasteward: %s", path)
