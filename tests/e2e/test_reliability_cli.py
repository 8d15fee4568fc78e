"""Issue 10's smaller cases, through the command line, against both databases."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.digest.mailer import Delivery, OutboxMailer
from monitor.errors import DeliveryError
from monitor.log import TextFormatter, _Redacting
from monitor.models import utcnow
from tests.support.cli import run
from tests.support.servers import LocalServer


@pytest.mark.parametrize(
    "url",
    [
        "http://feeds.example/a\r\nINFO forged line",
        "http://feeds.example/a feed",
        "http://feeds.example:99999/feed",
        "http://feeds.example:0/feed",
    ],
)
def test_sources_add_refuses_urls_with_line_breaks_spaces_or_bad_ports(
    env: LocalServer, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    code, _, err = run(capsys, "sources", "add", url, "--no-check")
    assert code == 2 and "not added" in err and len(err.strip().splitlines()) == 1
    code, out, _ = run(capsys, "sources", "list", "--json")
    assert out.strip() == "[]"


def test_a_database_from_a_newer_monitor_is_one_line_and_exit_2(
    env: LocalServer, capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '20991231_future'"))
    engine.dispose()
    for command in (["status"], ["sources", "list"], ["poll"]):
        code, _, err = run(capsys, *command)
        assert code == 2 and "Traceback" not in err, command
        assert (
            err.strip()
            .splitlines()[-1]
            .endswith(
                "the database was upgraded by a newer monitor (revision 20991231_future); "
                "upgrade this installation"
            )
        )


def test_an_outbox_that_is_a_file_is_a_permanent_error_said_plainly(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    outbox.write_text("not a folder")
    delivery = Delivery(1, utcnow(), b"Subject: x\r\n\r\nbody\r\n", "a@example.org", ())
    with pytest.raises(DeliveryError) as raised:
        OutboxMailer(outbox).deliver(delivery)
    assert raised.value.permanent and "is a file" in str(raised.value)
    assert "MONITOR_OUTBOX_DIR" in str(raised.value)


def test_log_records_escape_control_characters() -> None:
    record = logging.LogRecord(
        "monitor",
        logging.WARNING,
        __file__,
        1,
        "poll failed: %s",
        ("http://x/\r\nFAKE\x1b[2J",),
        None,
    )
    record.source = "http://x/\nFAKE"
    _Redacting().filter(record)
    line = TextFormatter().format(record)
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert "http://x/\\r\\nFAKE\\x1b[2J" in line and "source=http://x/\\nFAKE" in line
