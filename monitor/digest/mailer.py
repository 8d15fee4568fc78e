"""Delivering a rendered digest: over SMTP, or as an .eml file in an outbox folder.

Every failure becomes a DeliveryError: `permanent` when the server refused with a 5xx reply
(or sending could never work as configured), transient otherwise (connection refused or lost,
timeouts, 4xx replies), which the caller retries later. Passwords never appear in messages.
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import unquote, urlsplit

from monitor.errors import ConfigError, DeliveryError

_LINE_END = re.compile(rb"\r?\n")


@dataclass(frozen=True)
class Delivery:
    digest_id: int
    created_at: datetime
    message: bytes
    sender: str  # bare address for MAIL FROM
    recipients: tuple[str, ...]  # bare addresses for RCPT TO


@dataclass(frozen=True)
class Receipt:
    """Where a digest went; `refused` lists recipients the server turned away."""

    where: str
    refused: str | None = None


# How a digest travels: recorded with it, so that only a sender with that transport sends it.
Transport = Literal["smtp", "outbox"]


class Mailer(Protocol):
    transport: Transport

    def deliver(self, delivery: Delivery) -> Receipt: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class SmtpServer:
    implicit_tls: bool
    host: str
    port: int
    username: str | None
    password: str | None
    ca_file: Path | None
    timeout: float

    def describe(self) -> str:
        user = f"{self.username}@" if self.username else ""
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{user}{self.host}:{self.port}"


def parse_smtp_url(
    url: str,
    *,
    password: str | None = None,
    password_file: Path | None = None,
    ca_file: Path | None = None,
    timeout: float = 30.0,
) -> SmtpServer:
    """MONITOR_SMTP_URL and its companions; the password from the URL, the setting or a file."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"MONITOR_SMTP_URL is not a URL: {_redact(url)}") from exc
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError(
            f"MONITOR_SMTP_URL must look like smtp://host:25, smtp://user@host:587 or "
            f"smtps://user@host:465, not {_redact(url)}"
        )
    username = unquote(parts.username) if parts.username else None
    secret = unquote(parts.password) if parts.password else password
    if secret is None and password_file is not None:
        try:
            secret = password_file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise ConfigError(
                f"cannot read MONITOR_SMTP_PASSWORD_FILE {password_file}: {exc.strerror}"
            ) from exc
    if secret and not username:
        raise ConfigError("an SMTP password is set but MONITOR_SMTP_URL names no user")
    if ca_file is not None and not ca_file.is_file():
        raise ConfigError(f"MONITOR_SMTP_CA_FILE {ca_file} is not a readable file")
    implicit_tls = parts.scheme == "smtps"
    return SmtpServer(
        implicit_tls=implicit_tls,
        host=parts.hostname,
        port=port or (465 if implicit_tls else 25),
        username=username,
        password=secret,
        ca_file=ca_file,
        timeout=timeout,
    )


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


class SmtpMailer:
    """Sends over SMTP. STARTTLS is used whenever the server offers it and is required when
    there is a password; certificates are always verified (MONITOR_SMTP_CA_FILE adds a CA)."""

    transport: Transport = "smtp"

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    def describe(self) -> str:
        return self.server.describe()

    def deliver(self, delivery: Delivery) -> Receipt:
        where = self.describe()
        with _smtp_errors(where):
            client = self._connect()
            try:
                self._secure_and_login(client)
                refused = client.sendmail(
                    delivery.sender, list(delivery.recipients), _crlf(delivery.message)
                )
            except BaseException:
                client.close()
                raise
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.quit()  # the message is accepted: a lost QUIT changes nothing
        if refused:
            listed = "; ".join(
                f"{rcpt}: {_reply(code, msg)}" for rcpt, (code, msg) in refused.items()
            )
            return Receipt(where, refused=f"some recipients refused: {listed}")
        return Receipt(where)

    def _context(self) -> ssl.SSLContext:
        ca_file = self.server.ca_file
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)

    def _connect(self) -> smtplib.SMTP:
        s = self.server
        if s.implicit_tls:
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._context())
        return smtplib.SMTP(s.host, s.port, timeout=s.timeout)

    def _secure_and_login(self, client: smtplib.SMTP) -> None:
        s = self.server
        client.ehlo()
        if not s.implicit_tls:
            if client.has_extn("starttls"):
                client.starttls(context=self._context())
                client.ehlo()
            elif s.password:
                raise DeliveryError(
                    f"{self.describe()} does not offer STARTTLS, and the password is never sent "
                    "over an unencrypted connection: use smtps:// or a server with STARTTLS",
                    permanent=True,
                )
        if s.username and s.password:
            client.login(s.username, s.password)


def _crlf(message: bytes) -> bytes:
    """SMTP lines end in CRLF; smtplib fixes line ends of str messages only, and a bare LF
    would defeat its dot-stuffing (a line holding only "." would end the message early)."""
    return _LINE_END.sub(b"\r\n", message)


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}"


@contextlib.contextmanager
def _smtp_errors(where: str) -> Iterator[None]:
    try:
        yield
    except smtplib.SMTPRecipientsRefused as exc:
        replies = [_reply(code, msg) for code, msg in exc.recipients.values()]
        permanent = all(code >= 500 for code, _ in exc.recipients.values())
        raise DeliveryError(
            f"{where} refused every recipient: {'; '.join(replies)}", permanent=permanent
        ) from exc
    except smtplib.SMTPResponseException as exc:
        reply = _reply(exc.smtp_code, exc.smtp_error)
        raise DeliveryError(
            f"{where} replied {reply}",
            permanent=exc.smtp_code >= 500,
            too_large=exc.smtp_code == 552 or (exc.smtp_code >= 500 and " 5.3.4 " in f"{reply} "),
        ) from exc
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(
            f"{where}: the server's certificate was not trusted ({exc.verify_message}); "
            "set MONITOR_SMTP_CA_FILE for a private CA"
        ) from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise DeliveryError(f"{where} closed the connection: {exc}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DeliveryError(f"cannot deliver to {where}: {reason or type(exc).__name__}") from exc


class OutboxMailer:
    """Writes each digest as an .eml file (the embedded default when no SMTP server is set).
    A retry of the same digest replaces its file, so the outbox never holds two copies."""

    transport: Transport = "outbox"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def describe(self) -> str:
        return f"outbox folder {self.folder}"

    def deliver(self, delivery: Delivery) -> Receipt:
        stamp = delivery.created_at.strftime("%Y%m%dT%H%M%SZ")
        path = self.folder / f"{stamp}-digest-{delivery.digest_id}.eml"
        partial = path.with_suffix(".eml.partial")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:  # trying again cannot help
            raise DeliveryError(
                f"cannot write {path}: the outbox {self.folder} (MONITOR_OUTBOX_DIR) is a "
                "file, or inside one, not a folder: point MONITOR_OUTBOX_DIR at a folder",
                permanent=True,
            ) from exc
        except OSError as exc:
            raise DeliveryError(f"cannot create {self.folder}: {exc.strerror or exc}") from exc
        try:
            with partial.open("wb") as handle:
                handle.write(delivery.message)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, path)
        except OSError as exc:
            raise DeliveryError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return Receipt(str(path))


def make_mailer(
    smtp_url: str | None,
    *,
    outbox: Path,
    password: str | None,
    password_file: Path | None,
    ca_file: Path | None,
    timeout: float,
) -> Mailer:
    if not smtp_url:
        return OutboxMailer(outbox)
    server = parse_smtp_url(
        smtp_url, password=password, password_file=password_file, ca_file=ca_file, timeout=timeout
    )
    return SmtpMailer(server)


def require_recipients(mailer: Mailer, recipients: Sequence[str]) -> None:
    if isinstance(mailer, SmtpMailer) and not recipients:
        raise ConfigError("MONITOR_SMTP_URL is set but MONITOR_DIGEST_TO names no recipients")
