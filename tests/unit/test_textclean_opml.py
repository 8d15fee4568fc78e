from __future__ import annotations

import pytest

from monitor.errors import ConfigError
from monitor.ingest.identity import fingerprint
from monitor.ingest.opml import OpmlFeed, read_opml, write_opml
from monitor.textclean import clean_text


def test_clean_text_removes_what_postgresql_refuses() -> None:
    assert clean_text("a\x00b\x01c\nd\te\ud800f") == "abc\nd\tef"
    assert clean_text(None) is None


def test_fingerprint_ignores_case_punctuation_spacing_and_headlines() -> None:
    paragraphs = [" ".join(f"word{i}x{j}" for j in range(20)) for i in range(4)]
    text = "A headline\nBy A Reporter\n" + "\n".join(paragraphs)
    rewritten = (
        "Another headline entirely\n"
        + "\n".join(p.upper().replace(" ", ",  ") for p in paragraphs)
        + "\nRead more"
    )
    assert fingerprint(text) is not None
    assert fingerprint(text) == fingerprint(rewritten)
    assert fingerprint(text) != fingerprint(text.replace("word2x3", "changed"))
    assert fingerprint("too short to tell") is None


def test_opml_round_trip_and_nested_folders() -> None:
    feeds = [
        OpmlFeed("https://a.example/feed", "A & B <news>"),
        OpmlFeed("https://b.example/rss", None),
    ]
    assert read_opml(write_opml(feeds).encode()) == [
        OpmlFeed("https://a.example/feed", "A & B <news>"),
        OpmlFeed("https://b.example/rss", "https://b.example/rss"),
    ]
    nested = b"""<opml version="1.0"><body><outline text="Folder">
      <outline text="Inner" xmlUrl="https://c.example/atom"/>
      <outline text="Bad" xmlUrl="file:///etc/passwd"/></outline></body></opml>"""
    assert read_opml(nested) == [OpmlFeed("https://c.example/atom", "Inner")]


def test_opml_refuses_entities_and_broken_xml() -> None:
    with pytest.raises(ConfigError):
        read_opml(b"<opml><body><outline")
    billion = b"""<?xml version="1.0"?><!DOCTYPE o [<!ENTITY a "aaaaaaaaaa">]>
    <opml><body><outline text="&a;" xmlUrl="https://x.example/f"/></body></opml>"""
    assert [f.url for f in read_opml(billion)] == ["https://x.example/f"]
