"""Issue 11, item 13 (the smaller ones). Covered elsewhere: a Parquet binary text column read
as UTF-8 (tests/test_score_rows.py::test_a_binary_text_column_is_read_as_utf8) and `models use`
without a stray quote (tests/test_model_format.py::test_models_use_error_has_no_stray_quote)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from moderation.parse import parse_comments
from moderation.retrain import LabelsError, load_labels

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "southfront_russia_china_wpdiscuz.txt"


# ----------------------------------------------------------- a duplicated labels column
def test_a_duplicated_label_column_in_a_csv_is_refused(tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("text,hostile,conspiratorial,Hostile\nyou idiot,1,0,0\nnice bread,0,0,1\n")
    for skip in (False, True):
        with pytest.raises(LabelsError) as info:
            load_labels(labels, skip_invalid=skip)
        (problem,) = info.value.problems
        assert problem.fatal
        assert str(problem) == (f"{labels}:1: the header names a column twice ('hostile' in columns 2, "
                                "4); keep one of each, so it is clear which values count")


def test_a_duplicated_key_in_a_jsonl_line_is_a_problem_at_its_line(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        json.dumps({"text": "you idiot", "hostile": 1}) + "\n"
        + '{"text": "nice bread", "hostile": 1, "hostile": 0}\n'
        + '{"text": "lovely day", "Hostile": 1, "hostile": 0}\n'
    )
    with pytest.raises(LabelsError) as info:
        load_labels(labels)
    assert [(p.line, p.message.split(";")[0]) for p in info.value.problems] == [
        (2, "the key 'hostile' appears twice"),
        (3, "the key 'hostile' appears twice (in different cases)"),
    ]
    frame, skipped = load_labels(labels, skip_invalid=True)
    assert frame["text"].tolist() == ["you idiot"] and len(skipped) == 2


def test_a_dataframe_with_a_duplicated_label_column_is_refused() -> None:
    df = pd.DataFrame([["you idiot", 1, 0]], columns=["text", "hostile", "HOSTILE"])
    with pytest.raises(LabelsError, match="'hostile' appear twice"):
        load_labels(df)


# --------------------------------------------------- "Notify of" inside the article
def test_notify_of_inside_the_article_does_not_open_the_comments() -> None:
    dump = SEED.read_text(encoding="utf-8")
    expected = [c.text for c in parse_comments(dump)]
    head, sep, rest = dump.partition("In short, China proceeds")
    assert sep
    planted = head + "Notify of\n\n" + sep + rest  # the words alone on a line, in the article
    assert [c.text for c in parse_comments(planted)] == expected


def test_a_lone_widget_header_still_opens_a_dump_without_another_one() -> None:
    dump = "Article text.\n\nNotify of\n\nGreat piece, thanks.\n\nReply\n"
    assert [c.text for c in parse_comments(dump)] == ["Great piece, thanks."]


# ----------------------------------------------------------------------- the service
pytest.importorskip("fastapi")


@pytest.fixture(scope="module")
def client(tiny_model):
    from fastapi.testclient import TestClient

    from moderation.serve import create_app

    with TestClient(create_app(tiny_model, token="")) as c:
        yield c


def test_head_healthz_answers_200(client) -> None:
    resp = client.head("/healthz")
    assert resp.status_code == 200 and resp.content == b""
    assert client.get("/healthz").json()["status"] == "ok"


def test_unknown_perspective_attributes_are_not_echoed_in_bulk(client) -> None:
    attributes = {f"A{i}": {} for i in range(300_000)}
    attributes["B" * 1000] = {}
    resp = client.post("/v1alpha1/comments:analyze",
                       json={"comment": {"text": "hello"}, "requestedAttributes": attributes})
    assert resp.status_code == 400
    message = resp.json()["error"]["message"]
    assert len(resp.content) < 1000
    assert message.startswith("Unknown requested attribute(s): A0, A1, A2, A3, A4 and 299,996 more.")
    assert "HOSTILE, CONSPIRATORIAL" in message
