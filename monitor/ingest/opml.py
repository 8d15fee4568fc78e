"""Reading and writing OPML subscription lists."""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree

from lxml import etree

from monitor.errors import ConfigError
from monitor.urls import url_problem


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    name: str | None


def read_opml(document: bytes, refused: list[str] | None = None) -> list[OpmlFeed]:
    """Every outline with an http(s) xmlUrl, nested folders included. Each outline with an
    xmlUrl that cannot be a source adds why to `refused` ("javascript: URL", ...)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(document, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ConfigError(f"not a readable OPML file: {exc}") from exc
    if etree.QName(root).localname != "opml":
        raise ConfigError(
            f"not an OPML file: its root element is <{etree.QName(root).localname}>, not <opml>"
        )
    feeds = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        problem = url_problem(url) if url else None
        if url and problem is None:
            feeds.append(OpmlFeed(url, outline.get("title") or outline.get("text") or None))
        elif url and refused is not None:
            scheme = url.partition(":")[0].lower() if ":" in url else ""
            known = scheme.isalpha() and scheme not in ("http", "https")
            refused.append(f"{scheme}: URL" if known else (problem or "not a URL"))
    return feeds


def write_opml(feeds: list[OpmlFeed], title: str = "monitor sources") -> str:
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    body = ElementTree.SubElement(root, "body")
    for feed in feeds:
        label = feed.name or feed.url
        ElementTree.SubElement(
            body, "outline", type="rss", text=label, title=label, xmlUrl=feed.url
        )
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, "unicode") + "\n"
