"""`classify-file`, `eval` and `reclassify` through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.cli.main import main
from tests.support.builders import INADEQUATE_STORY, SCHOOL_STORY
from tests.support.cli import run
from tests.support.servers import LocalServer

DEV_SET = Path(__file__).resolve().parents[1] / "data" / "labelled" / "dev.jsonl"


def test_classify_file_keeps_input_order_and_reports_bad_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(
            [
                json.dumps(
                    {
                        "id": "council",
                        "title": INADEQUATE_STORY.title,
                        "text": "\n".join(INADEQUATE_STORY.paragraphs),
                        "extra": 1,
                    }
                ),
                "{not json",
                json.dumps(
                    {
                        "id": 7,
                        "title": SCHOOL_STORY.title,
                        "text": "\n".join(SCHOOL_STORY.paragraphs),
                    }
                ),
                json.dumps(["a list"]),
                json.dumps({"id": "no-text", "title": 5}),
                "",
                json.dumps({"id": None, "title": "Ofsted", "text": ""}),
            ]
        )
    )
    code, out, err = run(capsys, "classify-file", str(source))
    assert code == 1  # some lines were bad; the rest were classified
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["council", 7, None]
    council = rows[0]
    assert council["relevant"] is True and 0 <= council["relevance"] <= 1
    assert set(council) == {"id", "relevant", "relevance", "themes", "authorities"}
    assert council["themes"] and all(
        set(t) == {"id", "score", "evidence"} for t in council["themes"]
    )
    assert [t["score"] for t in council["themes"]] == sorted(
        (t["score"] for t in council["themes"]), reverse=True
    )
    assert rows[1]["relevant"] is False and rows[1]["themes"] == []
    assert all(isinstance(r["authorities"], list) for r in rows)
    assert rows[1]["authorities"] == []
    assert f"{source}:2: skipped: not valid JSON" in err
    assert f"{source}:4: skipped: not a JSON object" in err
    assert f"{source}:5: skipped: `title` and `text` must be strings" in err


def test_classify_file_of_good_lines_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": 1, "title": "Weather", "text": "Rain later."}) + "\n")
    code, out, err = run(capsys, "classify-file", str(source))
    assert code == 0 and err == "" and json.loads(out)["relevant"] is False


def test_eval_prints_the_scores_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", str(DEV_SET))
    assert code == 0 and "relevance" in out and "micro F1" in out and "workforce" in out
    code, out, _ = run(capsys, "eval", str(DEV_SET), "--json")
    report = json.loads(out)
    assert report["articles"] >= 160
    assert set(report["relevance"]) == {"precision", "recall", "f1", "support", "wrong", "missed"}
    assert (
        len(report["themes"]) == 9 and 0 < report["micro_f1"] <= 1 and 0 < report["macro_f1"] <= 1
    )


def test_classify_file_names_the_council_and_its_grade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    story = {
        "id": "bury",
        "title": "Bury children's services slip to inadequate",
        "text": "Bury Council's children's services have been rated inadequate by Ofsted,"
        " falling from the requires improvement grade it received at its previous inspection.\n"
        "Inspectors found that children were left at risk because social workers had too many"
        " cases, and the local authority's leaders were slow to act.\n"
        "Salford City Council has been asked to act as an improvement partner.",
    }
    source.write_text(json.dumps(story) + "\n")
    code, out, _ = run(capsys, "classify-file", str(source))
    assert code == 0
    (council,) = json.loads(out)["authorities"]
    assert council == {
        "code": "E08000002",
        "name": "Bury",
        "grade": "inadequate",
        "previous_grade": "requires improvement",
        "evidence": story["text"].splitlines()[0],
        "judgements": {},
    }


def test_eval_reports_authority_scores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", str(DEV_SET), "--json")
    found = json.loads(out)["authorities"]
    assert set(found) == {
        "articles",
        "precision",
        "recall",
        "f1",
        "support",
        "wrong",
        "missed",
        "grade_accuracy",
        "grade_pairs",
    }
    assert found["support"] >= 20 and found["grade_pairs"] >= 20
    code, out, _ = run(capsys, "eval", str(DEV_SET))
    assert "councils" in out and "grades right" in out
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps(
            {
                "title": "t",
                "text": "x",
                "relevant": True,
                "themes": [],
                "authorities": [{"name": "Bury", "grade": "awful"}],
            }
        )
        + "\n"
    )
    code, _, err = run(capsys, "eval", str(source))
    assert code == 1 and ":1: skipped: `authorities`: unknown grade" in err


def test_eval_reports_bad_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": 1, "title": "t", "text": "x", "relevant": "yes", "themes": []}) + "\n"
    )
    code, _, err = run(capsys, "eval", str(source))
    assert code == 1 and ":1: skipped: `relevant` must be true or false" in err


def test_reclassify_applies_edited_themes_to_stored_articles(
    env: LocalServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(["backfill", "seeds"]) == 0
    capsys.readouterr()
    rows = [json.loads(line) for line in run(capsys, "articles", "--json")[1].splitlines()]
    assert len(rows) == 5 and all(r["relevant"] is True and r["themes"] for r in rows)
    themes = tmp_path / "themes.toml"
    themes.write_text(
        '[[themes]]\nid = "adoption-only"\nname = "Adoption"\ndescription = "Adoption"\n'
        'keywords = [{ pattern = "adoption", weight = 1.0 }]\n'
    )
    monkeypatch.setenv("MONITOR_THEMES_FILE", str(themes))
    code, out, _ = run(capsys, "reclassify")
    assert code == 0 and "reclassified 5 articles: 5 relevant" in out
    rows = [
        json.loads(line) for line in run(capsys, "articles", "--json", "--relevant")[1].splitlines()
    ]
    assert {tuple(r["themes"]) for r in rows} <= {("adoption-only",), ()}
    assert any(r["themes"] == ["adoption-only"] for r in rows)


def test_a_broken_themes_file_is_a_configuration_error(
    env: LocalServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    themes = tmp_path / "themes.toml"
    themes.write_text("[[themes]]\nid = 'x'\nkeywords = [{ pattern = '(' }]\n")
    monkeypatch.setenv("MONITOR_THEMES_FILE", str(themes))
    code, _, err = run(capsys, "reclassify")
    assert code == 2 and "not a valid regex" in err
