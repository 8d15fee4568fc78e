"""The pipeline's classification stage: any callable from (title, text) to a Classification."""

from __future__ import annotations

from typing import Protocol

from monitor.models import Classification


class ClassifyStage(Protocol):
    def __call__(self, title: str, text: str) -> Classification: ...
