"""Where the tests find files outside this repository."""

from __future__ import annotations

from pathlib import Path

# The corpora and seeds shared between projects, beside the repository.
SHARED = Path(__file__).resolve().parents[3] / "shared"
