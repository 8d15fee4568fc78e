"""The command line: `monitor` (also `python -m monitor`)."""

from __future__ import annotations

from monitor.cli.main import main

__all__ = ["main"]
