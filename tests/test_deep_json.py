"""JSON nested 100,000 levels deep (issue 11, item 8) in a JSONL line, a JSON-LD block, a labels
file or a request body: an ordinary error naming the place, never a RecursionError or a 500."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from moderation.cli import main
from moderation.jsonsafe import MAX_JSON_DEPTH, JSONDepthError, loads_bounded
from moderation.parse import ParseWarning, parse_comments
from moderation.retrain import LabelsError, load_labels

DEEP = "[" * 100_000 + "]" * 100_000


def _nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def test_loads_bounded() -> None:
    assert loads_bounded(_nested(MAX_JSON_DEPTH)) is not None
    for text in (DEEP, _nested(MAX_JSON_DEPTH + 1), "[" * 500 + "]" * 500):
        with pytest.raises(JSONDepthError, match="nested deeper than"):
            loads_bounded(text)
    with pytest.raises(json.JSONDecodeError):
        loads_bounded("{nope")


def test_a_deep_jsonl_line_is_reported_not_a_traceback(tiny_model_path: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "hello"}\n{"text": "x", "meta": ' + DEEP + "}\n")
    out = tmp_path / "o.csv"
    code = main(["score", str(src), "--model", str(tiny_model_path), "-o", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert "RecursionError" not in err and "Traceback" not in err
    assert code == 0 and "1 rows with errors" in err  # the line is kept as a row (item 7)
    got = pd.read_csv(out)
    assert got["error"][1] == (f"{src}, line 2: a JSON value nested deeper than 100 levels; the row "
                               "was not scored")


def test_a_deep_labels_line_is_a_problem_at_file_and_line(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"text": "you idiot", "hostile": 1}\n{"text": ' + DEEP + ', "hostile": 0}\n')
    with pytest.raises(LabelsError) as info:
        load_labels(labels)
    assert [str(p) for p in info.value.problems] == [
        f"{labels}:2: a JSON value nested deeper than 100 levels"
    ]


JSONLD = (
    '<script type="application/ld+json">{"@type": "Comment", "@id": "c1", "text": "first"}</script>'
    '<script type="application/ld+json">' + DEEP + "</script>"
    '<script type="application/ld+json">{"@type": "Comment", "@id": "c2", "text": "second",'
    ' "comment": ' + "[" * 90 + '{"@type": "Comment", "@id": "c3", "text": "reply"}' + "]" * 90 + "}</script>"
)


def test_a_deep_json_ld_block_is_skipped_with_a_warning() -> None:
    page = f"<html><head>{JSONLD}</head><body><p>article</p></body></html>"
    with pytest.warns(ParseWarning, match="JSON-LD block nested deeper than 100 levels"):
        comments = parse_comments(page)
    assert [(c.id, c.text, c.parent_id) for c in comments] == [
        ("c1", "first", None), ("c2", "second", None), ("c3", "reply", "c2")
    ]


def test_the_service_answers_deep_json_without_a_500(tiny_model) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from moderation.serve import create_app

    with TestClient(create_app(tiny_model, token=""), raise_server_exceptions=False) as client:
        page = f"<html><head>{JSONLD}</head><body></body></html>"
        resp = client.post("/v1/parse", json={"page": page})
        assert resp.status_code == 200, resp.text
        assert len(resp.json()["comments"]) == 3
        resp = client.post("/v1/score", content='{"comments": ' + DEEP + "}",
                           headers={"content-type": "application/json"})
        assert resp.status_code == 422 and resp.json()["error"]["code"] == "invalid_request"
        resp = client.post("/v1alpha1/comments:analyze", content='{"comment": ' + DEEP + "}",
                           headers={"content-type": "application/json"})
        assert resp.status_code == 400 and resp.json()["error"]["status"] == "INVALID_ARGUMENT"
