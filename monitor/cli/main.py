"""The `monitor` command line: the parser, and running a command with its exit code.

Commands that use the database get an App (migrated first); the few that need none (`db
upgrade`, `classify-file`, `eval`) get the settings. A MonitorError becomes one line on
stderr: exit 2 for configuration, 1 for a failure.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from monitor import __version__
from monitor.app import open_app
from monitor.cli import (
    articles,
    authorities,
    classify,
    db,
    digest,
    feedback,
    ingest,
    service,
    sources,
)
from monitor.cli.output import EXIT_CONFIG, EXIT_FAILED
from monitor.config import load_settings
from monitor.errors import ConfigError, MonitorError
from monitor.log import configure_logging


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="monitor",
        description="Watch the news about Ofsted and children's social care; email a digest.",
    )
    parser.add_argument("--version", action="version", version=f"monitor {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (db, sources, ingest, articles, authorities, classify, digest, feedback, service):
        group.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        if getattr(args, "raw", False):
            result: int = args.func(settings, args)
            return result
        app = open_app(settings)
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
    except KeyboardInterrupt:
        print("monitor: interrupted", file=sys.stderr)
        return 130
