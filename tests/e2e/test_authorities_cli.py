"""`monitor authorities` and `monitor articles --authority`, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.builders import Page, article_html
from tests.support.cli import run
from tests.support.servers import LocalServer, Route

BURY = Page(
    "Bury children's services slip to inadequate",
    [
        "Bury Council's children's services have been rated inadequate by Ofsted, falling from"
        " the requires improvement grade it received at its previous inspection.",
        "Inspectors found that children were left at risk of harm because social workers had"
        " too many cases, and the local authority's leaders were slow to act on warnings.",
        "Salford City Council has been asked to act as an improvement partner.",
    ],
)
DURHAM = Page(
    "County Durham awarded top Ofsted grade for children's services",
    [
        "Durham County Council's children's services have been rated outstanding by Ofsted,"
        " up from good at the previous inspection of local authority children's services.",
        "Inspectors praised the council's care leavers' service and said social workers knew"
        " children in care well.",
    ],
)


@pytest.fixture
def stored(env: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env.routes["/news/bury"] = Route(article_html(BURY), content_type="text/html")
    env.routes["/news/durham"] = Route(article_html(DURHAM), content_type="text/html")
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{env.url('/news/bury')}\n{env.url('/news/durham')}\n")
    code, out, _ = run(capsys, "backfill", "urls", str(urls))
    assert code == 0 and "2 new articles" in out, out


def test_authorities_lists_each_council_with_its_latest_grade(
    stored: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "authorities", "--json")
    assert code == 0
    rows = {r["name"]: r for r in map(json.loads, out.splitlines())}
    assert set(rows) == {"Bury", "County Durham"}  # not Salford, the improvement partner
    bury = rows["Bury"]
    assert (bury["code"], bury["region"], bury["articles"]) == ("E08000002", "North West", 1)
    assert (bury["grade"], bury["previous_grade"]) == ("inadequate", "requires improvement")
    assert bury["graded_at"] is not None
    code, out, _ = run(capsys, "authorities", "--region", "North East")
    assert code == 0 and "County Durham" in out and "Bury" not in out
    code, out, _ = run(capsys, "authorities", "--grade", "inadequate")
    assert code == 0 and "Bury" in out and "inadequate (was requires improvement)" in out
    assert "Durham" not in out


def test_one_councils_stories_and_the_articles_filter(
    stored: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "authorities", "Bury Council")
    assert code == 0 and BURY.title in out and DURHAM.title not in out
    code, out, _ = run(capsys, "articles", "--authority", "E06000047", "--json")
    assert code == 0
    assert [json.loads(line)["title"] for line in out.splitlines()] == [DURHAM.title]
    (durham,) = json.loads(out)["authorities"]
    assert set(durham) == {"code", "name", "grade", "previous_grade", "evidence", "judgements"}
    assert durham["code"] == "E06000047" and durham["evidence"]
    code, out, _ = run(capsys, "articles", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and all(isinstance(row["authorities"], list) for row in rows)
    assert {a["name"] for row in rows for a in row["authorities"]} == {"Bury", "County Durham"}
    code, _, err = run(capsys, "articles", "--authority", "Atlantis")
    assert code == 2 and "Atlantis" in err
    code, _, err = run(capsys, "authorities", "--region", "Mars")
    assert code == 2 and "unknown region" in err


def test_reclassify_fills_the_authorities(stored: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "reclassify")
    assert code == 0 and "reclassified 2 articles: 2 relevant" in out
    code, out, _ = run(capsys, "authorities", "--json")
    assert sorted(json.loads(line)["articles"] for line in out.splitlines()) == [1, 1]
