"""`monitor config`: the effective settings, and where each came from."""

from __future__ import annotations

import argparse
import json
from typing import Any

from monitor.cli.output import EXIT_OK
from monitor.config import Settings, describe_settings
from monitor.storage.db import describe_database


def cmd_config(settings: Settings, args: argparse.Namespace) -> int:
    described = describe_settings(settings)
    if args.json:
        print(
            json.dumps(
                {
                    "settings": {d.name: {"value": d.value, "source": d.source} for d in described},
                    "database": describe_database(settings.effective_database_url),
                    "data_dir": str(settings.data_dir.absolute()),
                },
                indent=2,
            )
        )
        return EXIT_OK
    width = max(len(d.name) for d in described)
    for d in described:
        print(f"{d.name:<{width}}  {d.value or '(unset)'}  [{d.source}]")
    print(f"\ndatabase: {describe_database(settings.effective_database_url)}")
    print(f"data folder: {settings.data_dir.absolute()}")
    return EXIT_OK


def add_commands(commands: Any) -> None:
    config = commands.add_parser(
        "config", help="print the effective settings and where each came from"
    )
    config.add_argument("--json", action="store_true", help="one JSON object")
    config.set_defaults(func=cmd_config, raw=True)
