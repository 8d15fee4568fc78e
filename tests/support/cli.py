"""The command line run in process, its output captured."""

from __future__ import annotations

import pytest

from monitor.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
