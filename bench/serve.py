"""Serve ../shared/bench-corpus on 127.0.0.1: its pages as articles and as RSS feeds.

    /article/{i}.html      page number i % 381 of the manifest (any i, so large backfills work)
    /feed/{n}.xml          feed n of --feeds, listing every --feeds-th page once
    /unchanged/{n}.xml     a small feed that always answers 304 to its ETag

With --unique, every paragraph of page i starts with a sentence naming i and the page declares
no canonical URL, so that copies of the same page are not all one article.

Run by hand or imported by the other benchmarks (`start_server`).
"""

from __future__ import annotations

import argparse
import json
import re
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "bench-corpus"
_CANONICAL = re.compile(rb"<link[^>]+rel=[\"']?canonical[^>]*>|<meta[^>]+og:url[^>]*>", re.I)
_PARAGRAPH = re.compile(rb"(<p[^>]*>)", re.I)


def load_pages() -> list[bytes]:
    manifest = CORPUS / "manifest.jsonl"
    if not manifest.is_file():
        raise SystemExit(f"no bench corpus at {CORPUS}: it lives in ../shared/bench-corpus")
    rows = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    return [(CORPUS / "pages" / row["file"]).read_bytes() for row in rows]


def feed_xml(base: str, numbers: list[int]) -> bytes:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    items = "".join(
        f"<item><title>Article {i}</title><link>{escape(base)}/article/{i}.html</link>"
        f"<guid>bench-{i}</guid><pubDate>{format_datetime(now - timedelta(hours=i))}</pubDate></item>"
        for i in numbers
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench</title>'
        f"<link>{escape(base)}/</link>{items}</channel></rss>"
    ).encode()


def start_server(feeds: int = 10, unique: bool = False) -> tuple[ThreadingHTTPServer, str]:
    pages = load_pages()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _send(
            self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            base = f"http://{self.headers['Host']}"
            if match := re.fullmatch(r"/article/(\d+)\.html", self.path):
                number = int(match.group(1))
                body = pages[number % len(pages)]
                if unique:
                    stamp = f" Bench copy number {number} of this page, served for a load test only. ".encode()
                    body = _PARAGRAPH.sub(lambda m: m.group(1) + stamp, body)
                    body = _CANONICAL.sub(b"", body)
                self._send(200, body, "text/html")
            elif match := re.fullmatch(r"/feed/(\d+)\.xml", self.path):
                n = int(match.group(1))
                numbers = list(range(n, len(pages), feeds))
                self._send(200, feed_xml(base, numbers), "application/rss+xml")
            elif re.fullmatch(r"/unchanged/(\d+)\.xml", self.path):
                if self.headers.get("If-None-Match") == '"same"':
                    self.send_response(304)
                    self.send_header("ETag", '"same"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._send(200, feed_xml(base, []), "application/rss+xml", {"ETag": '"same"'})
            else:
                self._send(404, b"not found", "text/plain")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument("--unique", action="store_true")
    args = parser.parse_args()
    server, base = start_server(args.feeds, args.unique)
    print(f"serving the bench corpus at {base} (Ctrl-C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
