"""The trafilatura command line, with `*.localhost` resolving to 127.0.0.1 in its process.

courlan rejects URLs whose host is an IP address or a name without a dot, so the feed mode
cannot be pointed at `127.0.0.1`. The benchmark serves it as `bench.localhost` instead, and
this wrapper resolves that name (the machine's resolver does not) before running trafilatura's
own `main()`: downloading, feed handling and extraction are all trafilatura's.
"""

from __future__ import annotations

import socket
from typing import Any

from trafilatura.cli import main

_resolve = socket.getaddrinfo


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _resolve(host, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo

if __name__ == "__main__":
    main()
