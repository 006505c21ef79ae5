"""Bounded work per request (issue 11, item 2): explanations read a bounded part of a text,
every scoring route applies the comment limits, and one request's explanations are budgeted."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import moderation.explain
import moderation.model
from moderation.cli import main
from moderation.model import MAX_EXPLAIN_CHARS, explained_part

HOSTILE = "You are a pathetic moron, nobody wants your opinion."


def wordpress_page(texts: list[str]) -> str:
    """A WordPress (html5 theme) page holding one comment per text."""
    items = "".join(
        f'<li id="comment-{i}" class="comment"><article><div class="comment-content"><p>{t}</p>'
        "</div></article></li>"
        for i, t in enumerate(texts, start=1)
    )
    return f"<!doctype html><html><body><ol class='comment-list'>{items}</ol></body></html>"


@pytest.fixture
def explained_lengths(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records the length of every text handed to the explainer."""
    seen: list[int] = []
    real = moderation.explain.explain_items

    def spy(pipeline, text):
        seen.append(len(text))
        return real(pipeline, text)

    monkeypatch.setattr(moderation.model, "explain_items", spy)
    return seen


def test_explained_part_is_a_prefix_cut_at_a_space() -> None:
    text = ("moron " * 3000).strip()
    part = explained_part(text)
    assert text.startswith(part) and len(part) <= MAX_EXPLAIN_CHARS
    assert part.endswith("moron")
    assert explained_part("short") == "short"
    assert explained_part("x" * 10_000) == "x" * MAX_EXPLAIN_CHARS  # no space: hard cut


def test_explain_and_reasons_read_at_most_the_cap(tiny_model, explained_lengths: list[int]) -> None:
    text = "you moron " * 100_000  # 1 MB: took minutes and gigabytes before the cap
    reasons = tiny_model.reasons(text)
    explained = tiny_model.explain(text)
    assert explained_lengths and max(explained_lengths) <= MAX_EXPLAIN_CHARS
    assert reasons["hostile"]
    for item in explained["hostile"]:
        assert all(text[s:e] == t for (s, e), t in zip(item["spans"], item["text"], strict=True))


def test_cli_explain_of_a_huge_cell_is_bounded(tiny_model_path: Path, tmp_path: Path,
                                                explained_lengths: list[int]) -> None:
    src = tmp_path / "big.csv"
    pd.DataFrame({"id": [1, 2], "text": ["you moron " * 200_000, HOSTILE]}).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    assert main(["score", str(src), "--explain", "--model", str(tiny_model_path), "-o", str(out),
                 "--no-progress"]) == 0
    assert max(explained_lengths) <= MAX_EXPLAIN_CHARS
    assert len(pd.read_csv(out)) == 2


# ----------------------------------------------------------------------------- HTTP
pytest.importorskip("fastapi")


@pytest.fixture(scope="module")
def client(tiny_model):
    from fastapi.testclient import TestClient

    from moderation.serve import create_app

    with TestClient(create_app(tiny_model, token="")) as c:
        yield c


def test_parse_route_applies_the_comment_length_limit(client) -> None:
    from moderation.serve import MAX_TEXT_CHARS

    page = wordpress_page(["fine comment", "word " * (MAX_TEXT_CHARS // 5 + 10)])
    resp = client.post("/v1/parse", json={"page": page, "explain": True})
    assert resp.status_code == 413, resp.text
    assert resp.json()["error"]["code"] == "comment_too_long"
    assert "comment 2 of the page" in resp.json()["error"]["message"]
    # parsing alone (no scoring) still works
    assert len(client.post("/v1/parse", json={"page": page, "score": False}).json()["comments"]) == 2


def test_parse_route_applies_the_comment_count_limit(client) -> None:
    from moderation.serve import MAX_COMMENTS

    page = wordpress_page([f"comment number {i}" for i in range(MAX_COMMENTS + 1)])
    resp = client.post("/v1/parse", json={"page": page})
    assert resp.status_code == 413 and resp.json()["error"]["code"] == "too_many_comments"


def test_one_request_explains_a_bounded_number_of_characters(
    client, monkeypatch: pytest.MonkeyPatch, explained_lengths: list[int]
) -> None:
    import moderation.serve

    monkeypatch.setattr(moderation.serve, "MAX_EXPLAIN_CHARS_PER_REQUEST", 3 * len(HOSTILE))
    body = {"comments": [{"id": i, "text": HOSTILE} for i in range(10)], "explain": True}
    data = client.post("/v1/score", json=body).json()
    assert all(r["hostile_flag"] for r in data["results"])
    explained = [r for r in data["results"] if r.get("reasons")]
    assert len(explained) == 3 and len(explained_lengths) == 3
    assert [r.get("reasons") for r in data["results"][3:]] == [None] * 7
    assert "reasons left out for 7 flagged comment(s)" in data["warnings"][0]
    page = client.post("/v1/parse", json={"page": wordpress_page([HOSTILE] * 5), "explain": True}).json()
    assert sum(1 for c in page["comments"] if c.get("reasons")) == 3
    assert any("reasons left out for 2" in w for w in page["warnings"])


def test_without_explain_there_is_no_warning_field(client) -> None:
    data = client.post("/v1/score", json={"comments": [{"text": HOSTILE}]}).json()
    assert "warnings" not in data


def test_batched_scoring_gives_the_same_scores(tiny_model, monkeypatch: pytest.MonkeyPatch) -> None:
    import moderation.serve

    texts = [HOSTILE, "The bakery sells bread.", "x" * 50, "Vielen Dank für diese Recherche!"] * 5
    whole = tiny_model.score(texts)
    monkeypatch.setattr(moderation.serve, "SCORE_BATCH_CHARS", 60)
    pd.testing.assert_frame_equal(moderation.serve._score_batched(tiny_model, texts), whole)
    assert moderation.serve._score_batched(tiny_model, []).empty
