"""Progress display: a bar on a terminal, periodic log lines otherwise."""

from __future__ import annotations

import logging
import sys
from typing import Any, Protocol

from tqdm import tqdm

log = logging.getLogger(__name__)


class Progress(Protocol):
    def add_total(self, count: int) -> None: ...
    def advance(self, count: int = 1) -> None: ...
    def close(self) -> None: ...


class QuietProgress:
    def add_total(self, count: int) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class _AboveTheBar:
    """A stream for log handlers while a bar is shown: each line is written above the bar
    (tqdm.write clears it and draws it again), rather than into it."""

    def write(self, text: str) -> int:
        tqdm.write(text, file=sys.stderr, end="")
        return len(text)

    def flush(self) -> None:
        sys.stderr.flush()


class BarProgress:
    """A bar on the terminal: "poll: 3/40 entries". Log lines are written above it while it
    is shown, through the same handlers (their formats and redaction filters apply), which is
    what tqdm's logging redirect does without the handlers' filters."""

    def __init__(self, label: str) -> None:
        self._bar = tqdm(total=0, desc=label, unit=" entries", file=sys.stderr, dynamic_ncols=True)
        self._redirected: list[tuple[logging.StreamHandler[Any], Any]] = []
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stderr:
                self._redirected.append((handler, handler.setStream(_AboveTheBar())))

    def add_total(self, count: int) -> None:
        self._bar.total = (self._bar.total or 0) + count
        self._bar.refresh()

    def advance(self, count: int = 1) -> None:
        self._bar.update(count)

    def close(self) -> None:
        self._bar.close()
        for handler, stream in self._redirected:
            handler.setStream(stream)
        self._redirected.clear()


class LogProgress:
    """Logs every `every` items, so a non-terminal run still shows it is alive."""

    def __init__(self, label: str, every: int = 100) -> None:
        self._label, self._every, self._done, self._total = label, every, 0, 0

    def add_total(self, count: int) -> None:
        self._total += count

    def advance(self, count: int = 1) -> None:
        before = self._done // self._every
        self._done += count
        if self._done // self._every > before:
            log.info("%s: %d of %d", self._label, self._done, self._total)

    def close(self) -> None:
        pass


def make_progress(label: str) -> Progress:
    return BarProgress(label) if sys.stderr.isatty() else LogProgress(label)
