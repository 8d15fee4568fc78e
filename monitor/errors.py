"""The exception hierarchy, shaped by what the caller does next.

MonitorError                 base
├── ConfigError              bad settings or seed files: exit 2 at start-up
│   └── SeedError            themes.toml / feeds.toml / seed article invalid
├── SourceError              one source or page failed: record it, carry on
│   ├── BlockedURLError      refused by the SSRF guard
│   ├── FetchError           network, timeout, HTTP status, size cap
│   ├── FeedParseError       not a usable feed
│   ├── ExtractionError      no extractable text
│   └── WorkerError          a parse/extract worker ran out of time or memory
├── StorageError             database unavailable or refusing: abort this run
│   └── NoDatabaseError      a read-only command found no database (it never creates one)
└── DeliveryError            SMTP/outbox failure

Outside the hierarchy: Stopped, raised by the CLI's SIGTERM/SIGHUP handler. It is a
KeyboardInterrupt, so everything that gives back what it took on Ctrl-C does so on a signal.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(MonitorError, ValueError):
    """A setting is invalid: fix the environment variable or config file it names."""


class SeedError(ConfigError):
    """A seed file (feeds.toml, themes.toml, a seed article) is invalid."""


class SourceError(MonitorError):
    """One source or page failed; the error is recorded on it and the run goes on."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class BlockedURLError(SourceError):
    """The SSRF guard refused a URL or the address it resolved to."""


class FetchError(SourceError):
    """A download failed: network error, timeout, HTTP error status or size cap."""

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        network: bool = False,
    ) -> None:
        super().__init__(message, url=url)
        self.status = status
        self.retry_after = retry_after
        # True when the failure may be ours (DNS, unreachable network) rather than the source's.
        self.network = network


class FeedParseError(SourceError):
    """The document is not a usable feed."""


class ExtractionError(SourceError):
    """The page has no extractable article text."""


class WorkerError(SourceError):
    """A worker process gave up on a document: time or memory limit, or a crash."""


class StorageError(MonitorError):
    """The database is unavailable or refused a write."""


class NoDatabaseError(StorageError):
    """A read-only command (`status`, `articles`, ...) found no database where the settings
    point: it refuses to create one there."""


class Stopped(KeyboardInterrupt):
    """The process was asked to stop by a signal (SIGTERM, SIGHUP); exit 128 + signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class DeliveryError(MonitorError):
    """A digest could not be delivered."""

    def __init__(self, message: str, *, permanent: bool = False, too_large: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        # The server refused the message for its size (552, or 5.3.4): sending the same
        # bytes again can never work, a smaller message may.
        self.too_large = too_large
