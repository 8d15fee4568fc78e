"""Text made safe to store: no NUL or other characters PostgreSQL or XML refuse."""

from __future__ import annotations

import re

_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    return _UNSTORABLE.sub("", value)
