"""monitor: watches the news about Ofsted and children's social care and emails a digest."""

from __future__ import annotations

__version__ = "0.1.0"
