"""Issue 10's smaller cases, through the command line, against both databases."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.classify.labelled import MAX_LINE_BYTES
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


def test_classify_file_skips_a_line_that_is_not_utf8_or_too_long(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    good = b'{"id": 1, "title": "Ofsted rates council inadequate", "text": "Children at risk."}\n'
    huge = b'{"id": 3, "title": "x", "text": "' + b"y" * (MAX_LINE_BYTES + 10) + b'"}\n'
    last = b'{"id": 4, "title": "Fostering news", "text": "Foster carers."}\n'
    source.write_bytes(good + b'{"id": 2, "title": "caf\xe9"}\n' + huge + last)
    code, out, err = run(capsys, "classify-file", str(source))
    assert code == 1 and "Traceback" not in err
    assert [json.loads(line)["id"] for line in out.splitlines()] == [1, 4]
    assert f"{source}:2: skipped: not UTF-8" in err
    assert f"{source}:3: skipped: longer than 4 MB" in err


def test_opml_import_says_how_many_outlines_it_refused_and_why(
    env: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outlines = [f'<outline text="f{i}" xmlUrl="https://feeds.example/{i}"/>' for i in range(3)]
    outlines += [
        f'<outline text="bad" xmlUrl="{url}"/>'
        for url in ("javascript:alert(1)", "file:///etc/passwd", "data:text/xml,x", "ftp://x/f")
    ]
    opml = tmp_path / "feeds.opml"
    opml.write_text(f'<opml version="2.0"><body>{"".join(outlines)}</body></opml>')
    code, out, _ = run(capsys, "sources", "import", str(opml))
    assert code == 0 and "imported 3 sources" in out
    assert "refused 4 outlines" in out
    for scheme in ("javascript", "file", "data", "ftp"):
        assert f"1 {scheme}: URL" in out


def test_backfill_seeds_skips_a_binary_or_empty_file_and_imports_the_rest(
    env: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "1.txt").write_text(
        "Ofsted rates Northmoor children's services inadequate\n\nInspectors found drift."
    )
    (folder / "2.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "3.txt").write_text("")
    (folder / "4.txt").write_text("Foster carers in Dunmere praised by inspectors\n\nGood work.")
    code, out, err = run(capsys, "backfill", "seeds", str(folder))
    assert code == 0 and "2 imported" in out
    assert "2.txt" in err and "3.txt" in err and "Traceback" not in err
