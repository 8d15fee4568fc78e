"""The `monitor` command line: the parser, and running a command with its exit code.

Commands that use the database get an App (migrated first); the few that need none (`db
upgrade`, `classify-file`, `eval`) get the settings. A MonitorError becomes one line on
stderr: exit 2 for configuration, 1 for a failure; SIGTERM and SIGHUP stop a command as
Ctrl-C does (exit 143, 129, 130); a closed stdout (`| head`) ends it quietly (exit 141).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence

from monitor import __version__
from monitor.app import open_app
from monitor.cli import (
    articles,
    authorities,
    classify,
    configuration,
    db,
    digest,
    feedback,
    ingest,
    service,
    sources,
)
from monitor.cli.output import EXIT_BROKEN_PIPE, EXIT_CONFIG, EXIT_FAILED
from monitor.config import load_settings
from monitor.errors import ConfigError, MonitorError, Stopped
from monitor.log import configure_logging


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="monitor",
        description="Watch the news about Ofsted and children's social care; email a digest.",
    )
    parser.add_argument("--version", action="version", version=f"monitor {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (
        db,
        configuration,
        sources,
        ingest,
        articles,
        authorities,
        classify,
        digest,
        feedback,
        service,
    ):
        group.add_commands(commands)
    return parser


def _stop_on_signal(signum: int, _frame: object) -> None:
    raise Stopped(signum)


def main(argv: Sequence[str] | None = None) -> int:
    # SIGTERM and SIGHUP stop a command as Ctrl-C does: claims are given back, the open
    # transaction is rolled back, and the exit code is 128 + the signal (143 for SIGTERM).
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGHUP):
            previous[signum] = signal.signal(signum, _stop_on_signal)
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, so that a closed pipe is seen while we can still handle it
    except BrokenPipeError:
        # The reader went away (`monitor articles | head -1`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return code


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (already printed)
        return exc.code if isinstance(exc.code, int) else EXIT_CONFIG
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        if getattr(args, "raw", False):
            result: int = args.func(settings, args)
            return result
        app = open_app(settings, create=not getattr(args, "read_only", False))
        try:
            result = args.func(app, args)
        finally:
            app.close()
        return result
    except ConfigError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except MonitorError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Stopped as exc:
        name = signal.Signals(exc.signum).name
        print(f"monitor: stopped by {name}", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:
        print("monitor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        raise
    except OSError as exc:
        # A file or folder the settings or arguments name (bugs are not OSErrors).
        where = f": {exc.filename}" if exc.filename else ""
        print(f"monitor: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_FAILED
