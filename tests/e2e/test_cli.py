"""The command line, in process, against local servers and both databases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.servers import LocalServer, Route


def test_add_a_feed_then_poll_ingests_its_entries(
    news: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "sources", "add", news.url("/feed.xml"))
    assert code == 0 and "added source 1" in out and "Care News Today" in out and "2 entries" in out
    code, out, _ = run(capsys, "sources", "list", "--json")
    (source,) = json.loads(out)
    assert source["url"] == news.url("/feed.xml") and source["last_polled"] is None
    code, out, _ = run(capsys, "poll")
    assert code == 0 and "2 new articles" in out
    code, out, _ = run(capsys, "articles", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 2
    for key in ("id", "url", "title", "source", "published", "fetched_at", "relevant", "themes"):
        assert key in rows[0]
    assert {r["url"] for r in rows} == {news.url("/news/northmoor"), news.url("/news/hillside")}
    by_url = {r["url"]: r for r in rows}
    assert by_url[news.url("/news/hillside")]["relevant"] is False
    assert by_url[news.url("/news/hillside")]["themes"] == []
    assert by_url[news.url("/news/northmoor")]["relevant"] is True
    assert "judgements-ratings" in by_url[news.url("/news/northmoor")]["themes"]
    relevant = [
        json.loads(line) for line in run(capsys, "articles", "--json", "--relevant")[1].splitlines()
    ]
    assert [r["url"] for r in relevant] == [news.url("/news/northmoor")]
    code, out, _ = run(capsys, "articles", "--limit", "1")
    assert code == 0 and len([line for line in out.splitlines() if not line.startswith(" ")]) == 1


def test_adding_a_page_discovers_its_feed(
    news: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "sources", "add", news.url("/"), "--name", "Care News")
    assert code == 0 and news.url("/feed.xml") in out and "found on the page" in out
    _, out, _ = run(capsys, "sources", "list", "--json")
    assert json.loads(out)[0]["name"] == "Care News"


def test_unfetchable_or_unparseable_urls_are_refused_unless_unchecked(
    news: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    news.routes["/plain"] = Route(
        b"<html><body>No feeds here</body></html>", content_type="text/html"
    )
    code, _, err = run(capsys, "sources", "add", news.url("/missing.xml"))
    assert code == 1 and "HTTP 404" in err and "--no-check" in err
    code, _, err = run(capsys, "sources", "add", news.url("/plain"))
    assert code == 1 and "links no RSS" in err
    code, _, err = run(capsys, "sources", "add", "ftp://example.com/feed")
    assert code == 2 and "not an http(s) URL" in err
    code, out, _ = run(capsys, "sources", "add", news.url("/missing.xml"), "--no-check")
    assert code == 0 and "not checked" in out
    code, _, err = run(capsys, "sources", "add", news.url("/missing.xml"), "--no-check")
    assert code == 1 and "already subscribed" in err


def test_remove_by_id_or_url(news: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "sources", "add", news.url("/feed.xml"), "--no-check")
    run(capsys, "sources", "add", news.url("/other.xml"), "--no-check")
    assert run(capsys, "sources", "remove", "1")[0] == 0
    assert run(capsys, "sources", "remove", news.url("/other.xml"))[0] == 0
    code, _, err = run(capsys, "sources", "remove", "99")
    assert code == 1 and "no source" in err
    assert json.loads(run(capsys, "sources", "list", "--json")[1]) == []


def test_opml_export_and_import(
    news: LocalServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "sources", "add", news.url("/feed.xml"), "--name", "Care & News", "--no-check")
    code, opml, _ = run(capsys, "sources", "export")
    assert code == 0 and "Care &amp; News" in opml
    document = tmp_path / "subs.opml"
    document.write_text(
        opml.replace("</body>", f'<outline text="More" xmlUrl="{news.url("/more.xml")}"/></body>')
    )
    code, out, _ = run(capsys, "sources", "import", str(document))
    assert code == 0 and "imported 1 source (1 already subscribed)" in out
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body")
    assert run(capsys, "sources", "import", str(bad))[0] == 2


def test_poll_exits_zero_and_reports_failures(
    news: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "sources", "add", news.url("/feed.xml"))
    run(capsys, "sources", "add", news.url("/down.xml"), "--no-check")
    code, out, _ = run(capsys, "poll")
    assert code == 0 and "1 failed" in out and "HTTP 404" in out
    code, out, _ = run(capsys, "status", "--json")
    status = json.loads(out)
    assert status["articles"] == 2 and status["relevant"] == 1
    down = next(s for s in status["sources"] if s["url"].endswith("/down.xml"))
    assert (
        down["consecutive_failures"] == 1
        and "HTTP 404" in down["last_error"]
        and down["last_success"] is None
    )
    code, out, _ = run(capsys, "status")
    assert "2 sources (1 failing), 2 articles" in out


def test_backfill_seeds_is_idempotent_history(
    env: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "backfill", "seeds")
    assert code == 0 and "5 imported" in out
    code, out, _ = run(capsys, "backfill", "seeds")
    assert "0 imported, 5 already stored" in out
    rows = [json.loads(line) for line in run(capsys, "articles", "--json")[1].splitlines()]
    assert len(rows) == 5 and {r["source"] for r in rows} == {"seed corpus"}
    assert {r["origin"] for r in rows} == {"backfill"}
    dated = {r["title"][:12]: r["published"] for r in rows if r["published"]}
    assert dated == {
        "Ofsted inspe": "2019-09-27T00:00:00+00:00",
        "Ofsted 'too ": "2015-04-29T00:00:00+00:00",
    }
    since = [
        json.loads(line)
        for line in run(capsys, "articles", "--json", "--since", "2016-01-01")[1].splitlines()
    ]
    assert len(since) == 4


def test_backfill_urls_and_feed(
    news: LocalServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text(
        f"# history\n{news.url('/news/northmoor')}\n\nnot a url\n{news.url('/news/gone')}\n"
    )
    code, out, err = run(capsys, "backfill", "urls", str(urls))
    assert code == 0 and "1 new article," in out and ":4: skipped" in err
    assert "/news/gone: page not fetched: HTTP 404" in out
    assert "keeping the feed's own text" not in err  # a URL list has no feed text to keep
    assert "0 new articles, 1 already stored" in run(capsys, "backfill", "urls", str(urls))[1]
    code, out, _ = run(capsys, "backfill", "feed", news.url("/feed.xml"))
    assert code == 0 and "1 new article," in out  # northmoor is already stored
    rows = [json.loads(line) for line in run(capsys, "articles", "--json")[1].splitlines()]
    assert {r["origin"] for r in rows} == {"backfill"} and len(rows) == 2
    code, _, err = run(capsys, "backfill", "feed", news.url("/nope.xml"))
    assert code == 1 and "HTTP 404" in err


def test_a_new_database_gets_the_default_feeds(
    env: LocalServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_LOAD_DEFAULT_FEEDS", "true")
    assert run(capsys, "reclassify")[0] == 0  # a command that may create the database
    sources = json.loads(run(capsys, "sources", "list", "--json")[1])
    assert len(sources) >= 5 and any("communitycare" in s["url"] for s in sources)


def test_bad_configuration_exits_2_with_one_line(
    env: LocalServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_POLL_INTERVAL", "soon")
    code, _, err = run(capsys, "poll")
    assert code == 2 and err.count("\n") == 1 and "MONITOR_POLL_INTERVAL" in err


def test_unreachable_database_exits_1_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "MONITOR_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    )
    code, _, err = run(capsys, "poll")
    assert code == 1 and "database unavailable" in err and err.count("\n") == 1


def test_db_upgrade_and_python_dash_m(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path}/m.db"}
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "newest schema" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "sources" in done.stdout and "backfill" in done.stdout
