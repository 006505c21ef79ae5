"""The HTTP service through FastAPI's TestClient: routes, limits, errors, auth and logging."""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from moderation.cli import main  # noqa: E402
from moderation.serve import MAX_BODY_BYTES, MAX_COMMENTS, MAX_TEXT_CHARS, create_app  # noqa: E402

DATA = Path(__file__).parent / "data" / "score"
HOSTILE = "You are a pathetic moron, nobody wants your opinion."
BENIGN = "The new bakery on the high street sells great bread."
SECRET = "Zqxv secret comment text that must never reach the logs"


@pytest.fixture(scope="module")
def client(tiny_model):
    with TestClient(create_app(tiny_model, token="")) as c:
        yield c


def _error(resp, status: int, code: str) -> str:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]["message"]


def test_healthz_and_model_card(client, tiny_model):
    # the version name (as `models list` shows it), and the build timestamp beside it
    assert client.get("/healthz").json() == {"status": "ok", "model": "tiny", "trained": "tiny-test"}
    card = client.get("/v1/model").json()
    assert card["version"] == "tiny-test"
    assert card["thresholds"] == pytest.approx(tiny_model.thresholds)


def test_score_returns_results_in_order_with_ids(client, tiny_model):
    body = {"comments": [{"id": "a", "text": BENIGN}, {"id": 7, "text": HOSTILE}, {"text": ""}]}
    resp = client.post("/v1/score", json=body)
    assert resp.status_code == 200
    data = resp.json()
    assert data["model"] == "tiny"
    assert [r["id"] for r in data["results"]] == ["a", 7, None]
    expected = tiny_model.score([BENIGN, HOSTILE, ""])
    for r, (_, e) in zip(data["results"], expected.iterrows(), strict=True):
        assert set(r) == {"id", "hostile_score", "conspiratorial_score", "hostile_flag", "conspiratorial_flag", "language"}
        assert r["hostile_score"] == pytest.approx(e["hostile_score"])
        assert r["hostile_flag"] == bool(e["hostile_flag"])
    assert data["results"][1]["hostile_score"] > data["results"][0]["hostile_score"]


def test_score_explain_adds_reasons_for_flagged_labels(client):
    resp = client.post("/v1/score", json={"comments": [{"id": 1, "text": HOSTILE}], "explain": True})
    result = resp.json()["results"][0]
    flagged = {k for k in ("hostile", "conspiratorial") if result[f"{k}_flag"]}
    assert set(result["reasons"]) == flagged
    assert flagged and all(w in HOSTILE for ws in result["reasons"].values() for w in ws)


def test_empty_comment_list(client):
    assert client.post("/v1/score", json={"comments": []}).json()["results"] == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"comments": "text"},
        {"comments": [{"id": "x"}]},
        {"comments": [{"text": 5}]},
        {"comments": [{"text": None}]},
        {"comments": [{"id": 1.5, "text": "x"}]},
    ],
)
def test_invalid_bodies_get_422(client, body):
    message = _error(client.post("/v1/score", json=body), 422, "invalid_request")
    assert "comments" in message or "body" in message


def test_invalid_json_gets_422(client):
    resp = client.post("/v1/score", content=b"{not json", headers={"content-type": "application/json"})
    _error(resp, 422, "invalid_request")


def test_too_many_comments(client):
    body = {"comments": [{"text": "x"}] * (MAX_COMMENTS + 1)}
    assert "1,000" in _error(client.post("/v1/score", json=body), 413, "too_many_comments")
    body = {"comments": [{"text": "x"}] * MAX_COMMENTS}
    assert client.post("/v1/score", json=body).status_code == 200


def test_comment_too_long(client):
    body = {"comments": [{"text": "a" * MAX_TEXT_CHARS}]}
    assert client.post("/v1/score", json=body).status_code == 200
    body = {"comments": [{"text": "a" * (MAX_TEXT_CHARS + 1)}]}
    _error(client.post("/v1/score", json=body), 413, "comment_too_long")


def test_body_too_large(client):
    big = b'{"comments": [{"text": "' + b"a" * MAX_BODY_BYTES + b'"}]}'
    _error(client.post("/v1/score", content=big, headers={"content-type": "application/json"}), 413, "body_too_large")


def test_body_too_large_without_content_length(client):
    def chunks():
        yield b'{"comments": [{"text": "'
        for _ in range(6):
            yield b"a" * (1024 * 1024)
        yield b'"}]}'

    resp = client.post("/v1/score", content=chunks(), headers={"content-type": "application/json"})
    _error(resp, 413, "body_too_large")


def test_unknown_route_and_method(client):
    _error(client.get("/v2/nothing"), 404, "not_found")
    _error(client.get("/v1/score"), 405, "method_not_allowed")


def test_parse_page_with_scores(client):
    from moderation.parse import parse_comments

    page = (DATA / "page.html").read_text(encoding="utf-8")
    data = client.post("/v1/parse", json={"page": page}).json()
    assert data["model"] == "tiny"
    assert [c["text"] for c in data["comments"]] == [c.text for c in parse_comments(page)]
    assert all(0 <= c["hostile_score"] <= 1 for c in data["comments"])
    assert data["warnings"] == []


def test_parse_without_scores(client):
    page = (DATA / "page.txt").read_text(encoding="utf-8")
    data = client.post("/v1/parse", json={"page": page, "score": False}).json()
    assert "model" not in data
    assert len(data["comments"]) == 3
    assert all("hostile_score" not in c for c in data["comments"])
    assert data["comments"][1]["author"] == "Rex Tanner"


def test_parse_never_reads_server_files(client, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("Top secret says:\n\nThe password is hunter2\n\nReply\n")
    data = client.post("/v1/parse", json={"page": str(secret)}).json()
    assert "hunter2" not in str(data)
    assert data["comments"] == [] and data["warnings"]


def test_parse_binary_page_is_422(client):
    _error(client.post("/v1/parse", json={"page": "\x00\x01\x02" * 100}), 422, "unreadable_page")


# ------------------------------------------------------------------ Perspective route
PERSPECTIVE = "/v1alpha1/comments:analyze"


def _google_error(resp, status: int) -> str:
    assert resp.status_code == status, resp.text
    err = resp.json()["error"]
    assert err["code"] == status and err["status"] and err["message"]
    return err["message"]


def test_perspective_analyze(client, tiny_model):
    body = {
        "comment": {"text": HOSTILE},
        "requestedAttributes": {"HOSTILE": {}, "CONSPIRATORIAL": {}},
        "languages": ["en"],
        "clientToken": "abc",
        "doNotStore": True,
    }
    data = client.post(PERSPECTIVE, json=body).json()
    expected = tiny_model.score([HOSTILE]).iloc[0]
    for name in ("HOSTILE", "CONSPIRATORIAL"):
        summary = data["attributeScores"][name]["summaryScore"]
        assert summary["type"] == "PROBABILITY"
        assert summary["value"] == pytest.approx(expected[f"{name.lower()}_score"])
    assert data["clientToken"] == "abc" and data["languages"] == ["en"]


def test_perspective_threshold_and_spans(client):
    body = {
        "comment": {"text": BENIGN},
        "requestedAttributes": {"HOSTILE": {"scoreThreshold": 0.99}, "CONSPIRATORIAL": {}},
        "spanAnnotations": True,
    }
    data = client.post(PERSPECTIVE, json=body).json()
    assert "HOSTILE" not in data["attributeScores"]
    span = data["attributeScores"]["CONSPIRATORIAL"]["spanScores"][0]
    assert (span["begin"], span["end"]) == (0, len(BENIGN))


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}}, "TOXICITY"),
        ({"comment": {"text": "x"}, "requestedAttributes": {}}, "No requested attributes"),
        ({"comment": {"text": "x"}, "requestedAttributes": {"HOSTILE": {"scoreType": "STD_DEV_SCORE"}}}, "PROBABILITY"),
        ({"comment": {"text": "x"}, "requestedAttributes": {"HOSTILE": {}}, "languages": ["de"]}, "languages"),
        ({"comment": {}, "requestedAttributes": {"HOSTILE": {}}}, "comment.text"),
        ({"requestedAttributes": {"HOSTILE": {}}}, "comment"),
    ],
)
def test_perspective_errors_are_google_style_400(client, body, needle):
    assert needle in _google_error(client.post(PERSPECTIVE, json=body), 400)


def test_perspective_text_too_long(client):
    body = {"comment": {"text": "a" * (MAX_TEXT_CHARS + 1)}, "requestedAttributes": {"HOSTILE": {}}}
    _google_error(client.post(PERSPECTIVE, json=body), 413)


# ------------------------------------------------------------------------- auth
@pytest.fixture
def secured(tiny_model, monkeypatch):
    monkeypatch.setenv("MODERATION_API_TOKEN", "s3cret")
    with TestClient(create_app(tiny_model)) as c:
        yield c


def test_token_required_when_env_set(secured):
    body = {"comments": [{"text": "x"}]}
    resp = secured.post("/v1/score", json=body)
    _error(resp, 401, "unauthorized")
    assert resp.headers["www-authenticate"] == 'Bearer realm="moderation"'
    _error(secured.post("/v1/score", json=body, headers={"Authorization": "Bearer wrong"}), 401, "unauthorized")
    _error(secured.get("/v1/model"), 401, "unauthorized")
    ok = secured.post("/v1/score", json=body, headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200
    assert secured.get("/healthz").status_code == 200  # liveness probes need no token


def test_perspective_accepts_key_query_parameter(secured):
    body = {"comment": {"text": "x"}, "requestedAttributes": {"HOSTILE": {}}}
    _google_error(secured.post(PERSPECTIVE, json=body), 401)
    _google_error(secured.post(PERSPECTIVE + "?key=nope", json=body), 401)
    assert secured.post(PERSPECTIVE + "?key=s3cret", json=body).status_code == 200
    # the key parameter only works on the Perspective route
    _error(secured.get("/v1/model?key=s3cret"), 401, "unauthorized")


def test_no_token_when_env_empty(tiny_model, monkeypatch):
    monkeypatch.setenv("MODERATION_API_TOKEN", "")
    with TestClient(create_app(tiny_model)) as c:
        assert c.get("/v1/model").status_code == 200


# ----------------------------------------------------------------- logs and docs
def test_comment_text_never_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    client.post("/v1/score", json={"comments": [{"text": SECRET}], "explain": True})
    client.post("/v1/score", json={"comments": [{"text": SECRET * 1000}]})  # 413
    client.post("/v1/score", json={"comments": [{"text": SECRET, "id": 1.5}]})  # 422
    client.post("/v1/parse", json={"page": f"Ann says:\n\n{SECRET}\n\nReply\n"})
    client.post(PERSPECTIVE, json={"comment": {"text": SECRET}, "requestedAttributes": {"X": {}}})
    assert any("/v1/score" in r.getMessage() for r in caplog.records)
    assert all("Zqxv" not in r.getMessage() for r in caplog.records)


def test_validation_errors_do_not_echo_text(client):
    resp = client.post("/v1/score", json={"comments": [{"text": SECRET, "id": 1.5}]})
    assert resp.status_code == 422 and "Zqxv" not in resp.text


def test_openapi_docs(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    for path in ("/v1/score", "/v1/parse", "/v1/model", "/healthz", PERSPECTIVE):
        assert path in spec["paths"]


def test_create_app_loads_a_model_folder(tiny_model_path):
    with TestClient(create_app(str(tiny_model_path), token="")) as c:
        assert c.get("/healthz").json()["model"] == "tiny"


# ---------------------------------------------------------------- without the extra
def test_serve_module_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "fastapi", None)
    monkeypatch.delitem(sys.modules, "moderation.serve")
    with pytest.raises(ImportError, match=r'pip install -e "\.\[serve\]"'):
        importlib.import_module("moderation.serve")


def test_serve_command_says_which_extra_to_install(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a))
    assert main(["serve", "--port", "8999"]) == 2
    err = capsys.readouterr().err
    # the same command as the README's
    hint = 'pip install -e ".[serve]"'
    assert hint in err and "uvicorn" in err
    assert hint in (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_serve_command_bad_model_is_one_line(capsys, tmp_path):
    assert main(["serve", "--model", str(tmp_path / "none")]) == 2
    assert "No model at" in capsys.readouterr().err


def test_lone_surrogates_are_refused_not_500(client):
    body = '{"comments": [{"id": "\\udc80", "text": "a\\ud800b"}]}'
    resp = client.post("/v1/score", content=body, headers={"content-type": "application/json"})
    assert "surrogate" in _error(resp, 422, "invalid_request")
    body = '{"comments": [{"id": 1, "text": "emoji \\ud83d\\ude05 pair"}]}'  # a valid escaped pair
    resp = client.post("/v1/score", content=body, headers={"content-type": "application/json"})
    assert resp.status_code == 200
