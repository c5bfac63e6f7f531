"""A real SMTP server on localhost for the tests (aiosmtpd), keeping what it accepts."""

from __future__ import annotations

import email
import socket
from email.message import Message
from email.policy import default

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """An aiosmtpd handler keeping every accepted message; it refuses addresses starting with `weiger`."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], Message]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("weiger"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=default)))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(monkeypatch):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("KANSENMONITOR_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KANSENMONITOR_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("KANSENMONITOR_SMTP_SECURITY", "none")
    yield inbox
    controller.stop()
