"""`monitor db upgrade`: apply the schema migrations."""

from __future__ import annotations

import argparse
from typing import Any

from monitor.app import upgrade_database
from monitor.cli.output import EXIT_OK
from monitor.config import Settings


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    upgrade_database(settings)
    print(f"database is at the newest schema: {settings.effective_database_url}")
    return EXIT_OK


def add_commands(commands: Any) -> None:
    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade, raw=True)
