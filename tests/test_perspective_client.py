"""A Perspective user's own code against ``moderation serve``: Google's API client library
(``googleapiclient``) built from a discovery document (tests/data/perspective/), pointed at a
local server with ``--attribute-alias TOXICITY=HOSTILE`` and an API key, as the Perspective
quick-start does it with Google's address."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")
discovery = pytest.importorskip("googleapiclient.discovery", reason="needs google-api-python-client (the [test] extra)")
from googleapiclient.errors import HttpError  # noqa: E402
from live_server import running_server  # noqa: E402

DOC = Path(__file__).parent / "data" / "perspective" / "commentanalyzer_v1alpha1.json"
HOSTILE = "Nice try. You are a pathetic moron, nobody wants your opinion."


@pytest.fixture(scope="module")
def server(tiny_model_path, tmp_path_factory):
    db = tmp_path_factory.mktemp("labels") / "labels.sqlite3"
    env = {"MODERATION_API_TOKEN": "perspective-key", "MODERATION_LABELS_DB": str(db)}
    args = ["--model", str(tiny_model_path), "--attribute-alias", "TOXICITY=HOSTILE"]
    with running_server(args, env) as base:
        yield base, db


def _client(base: str, key: str = "perspective-key"):
    return discovery.build_from_document(
        DOC.read_text(encoding="utf-8"), developerKey=key, client_options={"api_endpoint": base + "/"},
    )


def test_analyze_toxicity_with_span_scores(server, tiny_model):
    base, _ = server
    request = {"comment": {"text": HOSTILE}, "requestedAttributes": {"TOXICITY": {}},
               "spanAnnotations": True, "clientToken": "abc", "languages": ["en"]}
    response = _client(base).comments().analyze(body=request).execute()
    toxicity = response["attributeScores"]["TOXICITY"]
    expected = tiny_model.score([HOSTILE, "Nice try.", "You are a pathetic moron, nobody wants your opinion."])
    assert toxicity["summaryScore"]["value"] == pytest.approx(expected["hostile_score"][0])
    spans = toxicity["spanScores"]
    assert [(s["begin"], s["end"]) for s in spans] == [(0, 9), (10, len(HOSTILE))]
    assert [s["score"]["value"] for s in spans] == pytest.approx(expected["hostile_score"][1:].tolist())
    assert response["clientToken"] == "abc" and response["languages"] == ["en"]


def test_unknown_attribute_and_wrong_key_are_google_errors(server):
    base, _ = server
    with pytest.raises(HttpError) as err:
        _client(base).comments().analyze(body={"comment": {"text": HOSTILE},
                                               "requestedAttributes": {"SEVERE_TOXICITY": {}}}).execute()
    assert err.value.resp.status == 400
    assert json.loads(err.value.content)["error"]["status"] == "INVALID_ARGUMENT"
    with pytest.raises(HttpError) as err:
        _client(base, key="wrong").comments().analyze(body={"comment": {"text": HOSTILE},
                                                            "requestedAttributes": {"TOXICITY": {}}}).execute()
    assert err.value.resp.status == 401


def test_suggestscore_lands_in_the_label_store(server):
    from moderation.labelstore import LabelStore

    base, db = server
    body = {"comment": {"text": "They were only asking a question."}, "clientToken": "fb-1",
            "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.0}}}}
    response = _client(base).comments().suggestscore(body=body).execute()
    assert response == {"clientToken": "fb-1"}
    with LabelStore(db) as store:
        [row] = [r for r in store.decisions() if r["text"] == "They were only asking a question."]
    assert (row["label"], row["value"], row["source"]) == ("hostile", 0, "suggestscore")
    assert row["model_version"] == "tiny"
