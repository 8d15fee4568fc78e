"""SmtpMailer and OutboxMailer against a real aiosmtpd server and a real folder."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from monitor.digest.mailer import Delivery, OutboxMailer, SmtpMailer, make_mailer, parse_smtp_url
from monitor.errors import ConfigError, DeliveryError
from tests.support.smtp import PASSWORD, USER, Mailbox, SmtpFactory, free_port

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def delivery(subject: str = "Digest") -> Delivery:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "monitor@example.org"
    message["To"] = "reader@example.org"
    message["Message-ID"] = "<digest.1@example.org>"
    message.set_content("Line one.\n.\nA line that is only a dot, above.\n")
    return Delivery(1, NOW, message.as_bytes(), "monitor@example.org", ("reader@example.org",))


def mailer(
    url: str,
    *,
    password: str | None = None,
    password_file: Path | None = None,
    ca_file: Path | None = None,
) -> SmtpMailer:
    return SmtpMailer(
        parse_smtp_url(
            url, password=password, password_file=password_file, ca_file=ca_file, timeout=5
        )
    )


def test_plain_smtp_delivers_the_exact_bytes(smtp: SmtpFactory) -> None:
    server = smtp()
    sent = delivery()
    receipt = mailer(f"smtp://127.0.0.1:{server.port}").deliver(sent)
    assert receipt.where == f"smtp://127.0.0.1:{server.port}"
    [got] = server.messages
    assert got.mail_from == "monitor@example.org"
    assert got.rcpt_tos == ["reader@example.org"]
    assert got.data.replace(b"\r\n", b"\n") == sent.message.replace(b"\r\n", b"\n")
    assert not got.tls


def test_starttls_is_used_when_offered_and_the_certificate_is_verified(smtp: SmtpFactory) -> None:
    server = smtp("starttls")
    ca = smtp.certificates.ca_file
    mailer(f"smtp://127.0.0.1:{server.port}", ca_file=ca).deliver(delivery())
    [got] = server.messages
    assert got.tls


def test_an_untrusted_certificate_is_refused_with_a_hint(smtp: SmtpFactory) -> None:
    server = smtp("starttls")
    with pytest.raises(DeliveryError) as caught:
        mailer(f"smtp://127.0.0.1:{server.port}").deliver(delivery())
    assert "MONITOR_SMTP_CA_FILE" in str(caught.value)
    assert not caught.value.permanent
    assert server.messages == []


def test_credentials_go_over_starttls(smtp: SmtpFactory) -> None:
    server = smtp("starttls")
    url = f"smtp://{USER}@127.0.0.1:{server.port}"
    mailer(url, password=PASSWORD, ca_file=smtp.certificates.ca_file).deliver(delivery())
    [got] = server.messages
    assert got.authenticated and got.tls


def test_implicit_tls_with_the_password_in_the_url(smtp: SmtpFactory) -> None:
    server = smtp("smtps")
    url = f"smtps://{USER}:p%40ss%20word%3A1@127.0.0.1:{server.port}"
    mailer(url, ca_file=smtp.certificates.ca_file).deliver(delivery())
    [got] = server.messages
    assert got.authenticated and got.tls


def test_password_file(smtp: SmtpFactory, tmp_path: Path) -> None:
    server = smtp("starttls")
    secret = tmp_path / "smtp-password"
    secret.write_text(PASSWORD + "\n")
    url = f"smtp://{USER}@127.0.0.1:{server.port}"
    mailer(url, password_file=secret, ca_file=smtp.certificates.ca_file).deliver(delivery())
    assert server.messages[0].authenticated


def test_credentials_are_never_offered_without_starttls(
    smtp: SmtpFactory, caplog: pytest.LogCaptureFixture
) -> None:
    server = smtp()  # plain: no STARTTLS, but it would accept AUTH
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DeliveryError) as caught:
        mailer(f"smtp://{USER}@127.0.0.1:{server.port}", password=PASSWORD).deliver(delivery())
    assert "does not offer STARTTLS" in str(caught.value)
    assert caught.value.permanent
    assert server.messages == []
    assert PASSWORD not in str(caught.value) and PASSWORD not in caplog.text


def test_wrong_password_is_permanent(smtp: SmtpFactory) -> None:
    server = smtp("starttls")
    url = f"smtp://{USER}@127.0.0.1:{server.port}"
    with pytest.raises(DeliveryError) as caught:
        mailer(url, password="wrong", ca_file=smtp.certificates.ca_file).deliver(delivery())
    assert caught.value.permanent
    assert "535" in str(caught.value)


def test_server_down_is_transient() -> None:
    with pytest.raises(DeliveryError) as caught:
        mailer(f"smtp://127.0.0.1:{free_port()}").deliver(delivery())
    assert not caught.value.permanent
    assert "cannot deliver" in str(caught.value)


def test_4xx_is_transient_and_5xx_permanent_with_the_reply(smtp: SmtpFactory) -> None:
    server = smtp(mailbox=Mailbox(replies=["451 4.3.0 Try again later", "550 5.7.1 Not allowed"]))
    send = mailer(f"smtp://127.0.0.1:{server.port}")
    with pytest.raises(DeliveryError) as first:
        send.deliver(delivery())
    assert not first.value.permanent and "451 4.3.0 Try again later" in str(first.value)
    with pytest.raises(DeliveryError) as second:
        send.deliver(delivery())
    assert second.value.permanent and "550 5.7.1 Not allowed" in str(second.value)
    send.deliver(delivery())
    assert len(server.messages) == 1


def test_disconnect_in_the_middle_of_data_is_transient(smtp: SmtpFactory) -> None:
    server = smtp(mailbox=Mailbox(drop_mid_data=1))
    with pytest.raises(DeliveryError) as caught:
        mailer(f"smtp://127.0.0.1:{server.port}").deliver(delivery())
    assert not caught.value.permanent
    assert server.messages == []


def test_invalid_smtp_urls_are_config_errors(tmp_path: Path) -> None:
    for url in ("http://mail.example.org", "smtp://", "smtp://host:notaport"):
        with pytest.raises(ConfigError):
            parse_smtp_url(url)
    with pytest.raises(ConfigError, match="names no user"):
        parse_smtp_url("smtp://mail.example.org", password="x")
    with pytest.raises(ConfigError, match="MONITOR_SMTP_PASSWORD_FILE"):
        parse_smtp_url("smtp://u@mail.example.org", password_file=tmp_path / "missing")
    with pytest.raises(ConfigError) as caught:
        parse_smtp_url("ftp://user:hunter2@mail.example.org")
    assert "hunter2" not in str(caught.value)


def test_default_ports() -> None:
    assert parse_smtp_url("smtp://mail.example.org").port == 25
    assert parse_smtp_url("smtps://u@mail.example.org").port == 465
    assert parse_smtp_url("smtp://u@mail.example.org:587").port == 587


def test_outbox_writes_one_file_per_digest(tmp_path: Path) -> None:
    outbox = make_mailer(
        None, outbox=tmp_path / "outbox", password=None, password_file=None, ca_file=None, timeout=5
    )
    assert isinstance(outbox, OutboxMailer)
    first = outbox.deliver(delivery())
    again = outbox.deliver(delivery())  # a retry replaces, never duplicates
    assert first.where == again.where
    files = list((tmp_path / "outbox").iterdir())
    assert [f.name for f in files] == ["20261123T070000Z-digest-1.eml"]
    assert files[0].read_bytes() == delivery().message


def test_outbox_that_cannot_be_written_is_a_delivery_error(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(DeliveryError, match="cannot write"):
        OutboxMailer(blocker).deliver(delivery())
