"""STARTTLS (the default) and SSL to a real SMTP server on localhost whose certificate a test CA signed: the
mail is sent only when the server's certificate verifies against the CA file KANSENMONITOR_SMTP_CA_FILE names."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tasks.deliver.mail import smtp_send, smtp_settings
from tests.smtp import Inbox, free_port


def _certificate(subject: str, key, issuer: x509.Name | None, issuer_key, ca: bool) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer or name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                                        critical=True)
    else:
        address = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
        builder = builder.add_extension(x509.SubjectAlternativeName([address]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A test CA (its certificate in `ca.pem`) and a server certificate for 127.0.0.1 it signed."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("kansenmonitor test CA", ca_key, None, ca_key, ca=True)
    server = _certificate("127.0.0.1", server_key, ca.subject, ca_key, ca=False)
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "server.pem").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (folder / "server.key").write_bytes(server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "server.pem", folder / "server.key")
    return folder, context


@pytest.fixture(params=["starttls", "ssl"])
def tls_server(request, pki, monkeypatch):
    """aiosmtpd speaking STARTTLS (and refusing mail before it) or SSL from the first byte."""
    folder, context = pki
    inbox = Inbox()
    if request.param == "ssl":
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ssl_context=context)
    else:
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=context,
                                require_starttls=True)
    controller.start()
    monkeypatch.setenv("KANSENMONITOR_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KANSENMONITOR_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("KANSENMONITOR_SMTP_SECURITY", request.param)
    for name in ("USER", "PASSWORD", "SECRET_BLOCK"):
        monkeypatch.delenv(f"KANSENMONITOR_SMTP_{name}", raising=False)
    yield inbox, folder / "ca.pem"
    controller.stop()


def message() -> bytes:
    mail = EmailMessage()
    mail["Subject"], mail["From"] = "Rapport", "kansenmonitor@backpack.example"
    mail["To"] = "stuurgroep@backpack.example"
    mail.set_content("Het rapport over 2024-2025-H2.")
    return mail.as_bytes(policy=SMTP)


def test_mail_goes_out_encrypted_to_a_server_the_ca_file_vouches_for(tls_server, backpack, monkeypatch):
    inbox, ca_file = tls_server
    monkeypatch.setenv("KANSENMONITOR_SMTP_CA_FILE", str(ca_file))

    refused = smtp_send(smtp_settings(backpack), ["stuurgroep@backpack.example"], message())

    assert refused == {}
    [(recipients, received)] = inbox.received
    assert recipients == ["stuurgroep@backpack.example"]
    assert received.get_content().strip() == "Het rapport over 2024-2025-H2."


def test_a_server_certificate_nobody_vouches_for_is_refused(tls_server, backpack, monkeypatch):
    inbox, _ = tls_server
    monkeypatch.delenv("KANSENMONITOR_SMTP_CA_FILE", raising=False)  # the system's CAs do not know the test CA

    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer certificate"):
        smtp_send(smtp_settings(backpack), ["stuurgroep@backpack.example"], message())
    assert inbox.received == []
