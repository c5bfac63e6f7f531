"""Report emails through a real SMTP server on localhost: what arrives, and that nothing arrives twice."""

from __future__ import annotations

import email
from email.policy import default

import pytest
from sqlalchemy import select

from kansenmonitor.db import ReportDispatch
from reports.build import Report, subject_for
from tasks.deliver.mail import compose, send_reports, smtp_settings
from tests.reporting import render_reports
from tests.smtp import free_port
from tests.test_reports import H2, seed


@pytest.fixture
def reports(engine, backpack, tmp_path):
    seed(engine, backpack)
    return render_reports(engine, backpack, H2, tmp_path, ["stuurgroep", "kernteam"])


def ledger(engine) -> dict[tuple[str, str], str]:
    with engine.connect() as conn:
        return {(r.audience, r.area): r.status for r in conn.execute(select(ReportDispatch))}


def test_each_audience_receives_its_report_with_body_charts_and_pdf(engine, backpack, tmp_path, reports,
                                                                    smtp_server):
    results = send_reports(engine, backpack, H2, reports, tmp_path)

    assert [r.status for r in results] == ["sent"] * 4
    by_recipient = {tuple(rcpt): message for rcpt, message in smtp_server.received}
    assert sorted(by_recipient) == [("kernteam-exloermond@backpack.example",),
                                    ("kernteam-nieuwbuinen@backpack.example",),
                                    ("kernteam-valthermond@backpack.example",), ("stuurgroep@backpack.example",)]
    message = by_recipient[("stuurgroep@backpack.example",)]
    assert message["Subject"] == \
        "Kansenmonitor Backpack Borger-Odoorn — tweede meetmoment (januari–juli 2025) — advies voor de stuurgroep"
    assert message["From"] == "Kansenmonitor Backpack Borger-Odoorn <kansenmonitor@backpack.example>"
    assert message["Reply-To"] == "datasteward@backpack.example"
    html = message.get_body(("html",)).get_content()
    plain = message.get_body(("plain",)).get_content()
    assert "92%" in html and "Advies aan de stuurgroep" in html
    assert "92%" in plain and "Een veilige omgeving voor kinderen tijdens de activiteiten" in plain
    assert "<" not in plain.replace("→", "")
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert images and all(f'cid:{p["Content-ID"].strip("<>")}' in html for p in images)
    assert all(p.get_content().startswith(b"\x89PNG") for p in images)
    pdf = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdf) == 1 and pdf[0].get_filename() == "backpack-borger-odoorn-2024-2025-H2-stuurgroep.pdf"
    assert pdf[0].get_content().startswith(b"%PDF")
    kernteam = by_recipient[("kernteam-valthermond@backpack.example",)]
    assert kernteam["Subject"].endswith("— cijfers voor het kernteam Valthermond")
    assert set(ledger(engine).values()) == {"sent"}


def test_smtp_down_keeps_reports_pending_and_the_next_run_sends_each_exactly_once(engine, backpack, tmp_path,
                                                                                    reports, smtp_server,
                                                                                    monkeypatch):
    working_port = smtp_settings(backpack).port
    monkeypatch.setenv("KANSENMONITOR_SMTP_PORT", str(free_port()))

    down = send_reports(engine, backpack, H2, reports, tmp_path)

    assert [r.status for r in down] == ["pending"] * 4
    assert all("ConnectionRefusedError" in r.error for r in down), [r.error for r in down]
    assert set(ledger(engine).values()) == {"pending"} and smtp_server.received == []

    monkeypatch.setenv("KANSENMONITOR_SMTP_PORT", str(working_port))
    retried = send_reports(engine, backpack, H2, [], tmp_path)
    again = send_reports(engine, backpack, H2, reports, tmp_path)

    assert [r.status for r in retried] == ["sent"] * 4
    assert [r.status for r in again] == ["already_sent"] * 4
    assert len(smtp_server.received) == 4
    assert sorted(rcpt[0] for rcpt, _ in smtp_server.received) == sorted(r.recipients[0] for r in reports)


def test_a_refused_message_stays_pending_while_the_others_go_out(engine, backpack, tmp_path, smtp_server):
    seed(engine, backpack)
    config = backpack.model_copy(update={"recipients": {**backpack.recipients, "stuurgroep": ["weiger@x.example"]}})
    reports = render_reports(engine, config, H2, tmp_path, ["stuurgroep", "lokale_coalitie"])

    results = {r.audience: r for r in send_reports(engine, config, H2, reports, tmp_path)}

    assert results["stuurgroep"].status == "pending" and "SMTPRecipientsRefused" in results["stuurgroep"].error
    assert results["lokale_coalitie"].status == "sent"
    assert [rcpt for rcpt, _ in smtp_server.received] == [["coalitie@backpack.example"]]
    assert ledger(engine) == {("stuurgroep", ""): "pending", ("lokale_coalitie", ""): "sent"}


def test_without_smtp_host_the_emails_go_to_the_outbox_once(engine, backpack, tmp_path, reports, monkeypatch):
    monkeypatch.delenv("KANSENMONITOR_SMTP_HOST", raising=False)

    first = send_reports(engine, backpack, H2, reports, tmp_path)
    second = send_reports(engine, backpack, H2, reports, tmp_path)

    outbox = sorted((tmp_path / "outbox").glob("*.eml"))
    assert [p.name for p in outbox] == [
        "backpack-borger-odoorn-2024-2025-H2-kernteam-2e-exloermond.eml",
        "backpack-borger-odoorn-2024-2025-H2-kernteam-nieuw-buinen.eml",
        "backpack-borger-odoorn-2024-2025-H2-kernteam-valthermond.eml",
        "backpack-borger-odoorn-2024-2025-H2-stuurgroep.eml"]
    assert [r.status for r in first] == ["sent"] * 4 and [r.status for r in second] == ["already_sent"] * 4
    assert sorted(r.path for r in first) == [str(p) for p in outbox]
    message = email.message_from_bytes(outbox[-1].read_bytes(), policy=default)
    assert message["To"] == "stuurgroep@backpack.example"
    assert "92%" in message.get_body(("html",)).get_content()


def test_a_line_break_in_a_subject_component_is_refused(backpack, tmp_path):
    with pytest.raises(ValueError, match=r"refusing to put a line break into an email header: the area "
                                         r"'Valthermond\\r\\nBcc: iedereen@example.com' contains one"):
        subject_for(backpack, H2, "kernteam", "Valthermond\r\nBcc: iedereen@example.com")
    forged = Report("stuurgroep", None, "Rapport\nBcc: iedereen@example.com", "<p>x</p>", "x", tmp_path / "x.html",
                    tmp_path / "x.pdf", [], ["stuurgroep@backpack.example"])
    with pytest.raises(ValueError, match="the subject 'Rapport\\\\nBcc: iedereen@example.com' contains one"):
        compose(forged, "kansenmonitor@backpack.example")


def test_smtp_settings_come_from_the_configuration_and_the_environment_overrides_them(backpack, monkeypatch):
    for name in ("HOST", "PORT", "SECURITY", "USER", "PASSWORD", "SENDER"):
        monkeypatch.delenv(f"KANSENMONITOR_SMTP_{name}", raising=False)
    settings = smtp_settings(backpack)
    assert (settings.host, settings.port, settings.security, settings.sender, settings.user) == \
        (None, 587, "starttls", "kansenmonitor@backpack.example", None)
    monkeypatch.setenv("KANSENMONITOR_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("KANSENMONITOR_SMTP_SECURITY", "ssl")
    monkeypatch.setenv("KANSENMONITOR_SMTP_PORT", "465")
    monkeypatch.setenv("KANSENMONITOR_SMTP_USER", "monitor")
    settings = smtp_settings(backpack)
    assert (settings.host, settings.port, settings.security, settings.user) == ("smtp.example.org", 465, "ssl",
                                                                                "monitor")
    monkeypatch.setenv("KANSENMONITOR_SMTP_SECURITY", "tls")
    with pytest.raises(ValueError, match="KANSENMONITOR_SMTP_SECURITY is 'tls'; expected one of: starttls, ssl"):
        smtp_settings(backpack)


def test_smtp_login_with_credentials_from_a_prefect_secret_block(prefect_harness, engine, backpack, tmp_path,
                                                                 reports, monkeypatch):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult
    from prefect.blocks.system import Secret

    from tests.smtp import Inbox, free_port

    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"geheim-uit-het-blok")

    Secret(value={"user": "kansenmonitor", "password": "geheim-uit-het-blok"}).save("smtp-backpack", overwrite=True)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    try:
        for name, value in (("HOST", "127.0.0.1"), ("PORT", str(controller.port)), ("SECURITY", "none"),
                            ("SECRET_BLOCK", "smtp-backpack")):
            monkeypatch.setenv(f"KANSENMONITOR_SMTP_{name}", value)
        monkeypatch.delenv("KANSENMONITOR_SMTP_USER", raising=False)
        monkeypatch.delenv("KANSENMONITOR_SMTP_PASSWORD", raising=False)
        results = send_reports(engine, backpack, H2, reports, tmp_path)
    finally:
        controller.stop()
    assert [r.status for r in results] == ["sent"] * 4
    assert logins == [("kansenmonitor", "geheim-uit-het-blok")] * 4 and len(inbox.received) == 4


def test_a_secret_block_without_user_and_password_is_refused_by_name(prefect_harness, backpack, monkeypatch):
    from prefect.blocks.system import Secret

    Secret(value="alleen-een-wachtwoord").save("smtp-kapot", overwrite=True)
    monkeypatch.setenv("KANSENMONITOR_SMTP_SECRET_BLOCK", "smtp-kapot")
    with pytest.raises(ValueError) as error:
        smtp_settings(backpack)
    assert str(error.value) == ("the Prefect Secret block 'smtp-kapot' (KANSENMONITOR_SMTP_SECRET_BLOCK) must hold "
                                '{"user": ..., "password": ...}')
