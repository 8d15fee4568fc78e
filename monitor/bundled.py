"""Where the project's own data folders are, in a checkout or in an installed wheel."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def bundled_path(name: str) -> Path:
    """A top-level project folder (`alembic`, `seeds`), from a checkout or an installed wheel."""
    installed = Path(str(resources.files("monitor"))) / "_bundled" / name
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / name
