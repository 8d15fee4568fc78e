"""The test HTTP server itself: a client that resets the connection is not a server error."""

from __future__ import annotations

import socket
import struct
import threading

import pytest

from tests.support.servers import LocalServer, Route, wait_for


def test_a_client_reset_is_not_reported_as_an_exception(
    server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """What a client does when it gives up on an error status with the body unread: the
    server's thread is waiting for the next request when the reset arrives."""
    server.routes["/x"] = Route(b"oops", status=410)
    before = threading.active_count()
    with socket.create_connection(("127.0.0.1", server.port)) as client:
        client.sendall(b"GET /x HTTP/1.1\r\nHost: test\r\n\r\n")
        reply = b""
        while not reply.endswith(b"oops"):
            reply += client.recv(4096)
        # Close with a reset (SO_LINGER of zero), as a kernel does for unread data.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    assert wait_for(lambda: threading.active_count() <= before)  # the handler's thread ended
    assert "Exception occurred" not in capsys.readouterr().err
