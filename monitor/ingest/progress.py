"""Progress display: a bar on a terminal, periodic log lines otherwise."""

from __future__ import annotations

import logging
import sys
from typing import Protocol

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


class BarProgress:
    def __init__(self, label: str) -> None:
        self._bar = tqdm(total=0, desc=label, unit="item", file=sys.stderr, dynamic_ncols=True)

    def add_total(self, count: int) -> None:
        self._bar.total = (self._bar.total or 0) + count
        self._bar.refresh()

    def advance(self, count: int = 1) -> None:
        self._bar.update(count)

    def close(self) -> None:
        self._bar.close()


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
