"""A real SMTP server (aiosmtpd) on 127.0.0.1 for tests, with scripted misbehaviour."""

from __future__ import annotations

import asyncio
import email
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

USER, PASSWORD = "digest-bot", "p@ss word:1"


def free_port() -> int:
    """A port nobody listens on (for "nothing there" tests)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    authenticated: bool
    tls: bool

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed


def text_body(message: EmailMessage, kind: str = "plain") -> str:
    """The text of the message's text/plain (or text/html) part, which must be there."""
    part = message.get_body((kind,))
    assert part is not None, f"no text/{kind} part"
    return str(part.get_content())


@dataclass
class Mailbox:
    """The handler: keeps what it accepts; `replies` scripts the answers to DATA, in order
    (None = accept); `drop_after_accept` keeps the message and drops the connection without
    replying; `drop_mid_data` hangs up while the client is sending the message."""

    replies: list[str | None] = field(default_factory=list)
    drop_after_accept: int = 0
    drop_mid_data: int = 0
    received: list[Received] = field(default_factory=list)
    data_commands: int = 0
    # Seconds to wait, after keeping the first message, before replying to it; `accepted` is
    # set when it is kept (a test can kill the client in between).
    reply_delay: float = 0.0
    accepted: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.data_commands += 1
        reply = self.replies.pop(0) if self.replies else None
        if reply is not None:
            return reply
        self.received.append(
            Received(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                data=bytes(envelope.original_content or b""),
                authenticated=bool(session.authenticated),
                tls=server._tls_protocol is not None
                or (
                    server.transport is not None
                    and bool(server.transport.get_extra_info("ssl_object"))
                ),
            )
        )
        self.accepted.set()
        if self.reply_delay:
            delay, self.reply_delay = self.reply_delay, 0.0
            await asyncio.sleep(delay)
        if self.drop_after_accept:
            self.drop_after_accept -= 1
            assert isinstance(server.transport, asyncio.Transport)
            server.transport.abort()
        return "250 2.0.0 OK: queued"


class _Server(SMTP):
    async def smtp_DATA(self, arg: str) -> None:
        mailbox = self.event_handler
        if isinstance(mailbox, Mailbox) and mailbox.drop_mid_data:
            mailbox.drop_mid_data -= 1
            mailbox.data_commands += 1
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readline()
            assert isinstance(self.transport, asyncio.Transport)
            self.transport.abort()
            return
        await super().smtp_DATA(arg)


class _Controller(Controller):
    """Serves on a socket already bound to port 0 and listening: aiosmtpd cannot bind port 0
    and report it, and a port probed free and bound later could be taken meanwhile (by a test
    running beside this one, under pytest-xdist)."""

    def __init__(self, handler: Any, listening: socket.socket, **kwargs: Any) -> None:
        self._listening = listening
        host, port = listening.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)

    def factory(self) -> SMTP:
        return _Server(self.handler, **self.SMTP_kwargs)

    def _create_server(self) -> Any:
        return self.loop.create_server(
            self._factory_invoker, sock=self._listening, ssl=self.ssl_context
        )


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == USER.encode()
        and data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class Certificates:
    ca_file: Path
    server_context: ssl.SSLContext


def make_certificates(folder: Path) -> Certificates:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = folder / "test-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return Certificates(ca_file, context)


class SmtpServer:
    """`mode`: plain, starttls (STARTTLS offered, AUTH after it), or smtps (implicit TLS)."""

    def __init__(
        self,
        mailbox: Mailbox,
        *,
        mode: str = "plain",
        certificates: Certificates | None = None,
        data_size_limit: int | None = None,
    ) -> None:
        self.mailbox = mailbox
        listening = socket.socket()
        listening.bind(("127.0.0.1", 0))
        listening.listen(16)
        self.port = int(listening.getsockname()[1])
        kwargs: dict[str, Any] = {"authenticator": _authenticate}
        if data_size_limit is not None:  # bigger messages are refused: 552, as real servers do
            kwargs["data_size_limit"] = data_size_limit
        if mode == "starttls":
            assert certificates is not None
            kwargs.update(tls_context=certificates.server_context, auth_require_tls=True)
        elif mode == "smtps":
            assert certificates is not None
            kwargs.update(ssl_context=certificates.server_context, auth_require_tls=False)
        else:
            kwargs.update(auth_require_tls=False)
        self.controller = _Controller(mailbox, listening, **kwargs)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Received]:
        return self.mailbox.received


@dataclass
class SmtpFactory:
    folder: Path
    started: list[SmtpServer] = field(default_factory=list)
    _certificates: Certificates | None = None

    @property
    def certificates(self) -> Certificates:
        if self._certificates is None:
            self._certificates = make_certificates(self.folder)
        return self._certificates

    def __call__(
        self,
        mode: str = "plain",
        mailbox: Mailbox | None = None,
        data_size_limit: int | None = None,
    ) -> SmtpServer:
        certificates = self.certificates if mode != "plain" else None
        server = SmtpServer(
            mailbox or Mailbox(),
            mode=mode,
            certificates=certificates,
            data_size_limit=data_size_limit,
        )
        self.started.append(server)
        return server
