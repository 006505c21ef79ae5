"""The review page's server side (issue 14): its routes, sign-in, CSRF rules, label store and
export, and the Perspective drop-in (aliases, per-sentence spans, suggestscore), through
FastAPI's TestClient. The page itself is driven in a browser in test_review_browser.py."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from moderation.cli import main  # noqa: E402
from moderation.labelstore import LabelStore, LabelStoreError, default_store_path  # noqa: E402
from moderation.retrain import load_labels  # noqa: E402
from moderation.reviewpage import ReviewInputError, read_comments  # noqa: E402
from moderation.serve import (  # noqa: E402
    MAX_COMMENTS,
    SESSION_COOKIE,
    create_app,
    parse_attribute_aliases,
    sentence_spans,
    session_cookie,
    session_valid,
)

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "southfront_russia_china_wpdiscuz.txt"
HOSTILE = "You are a pathetic moron, nobody wants your opinion."
BENIGN = "The new bakery on the high street sells great bread."
SECRET = "Zqxv secret comment text that must never reach the logs"
ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"


@pytest.fixture
def store(tmp_path: Path) -> LabelStore:
    return LabelStore(tmp_path / "labels.sqlite3")


@pytest.fixture
def client(tiny_model, store):
    with TestClient(create_app(tiny_model, token="", labels=store, attribute_aliases={})) as c:
        yield c


@pytest.fixture
def secured(tiny_model, store):
    app = create_app(tiny_model, token="s3cret", labels=store, attribute_aliases=["TOXICITY=HOSTILE"])
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# ------------------------------------------------------------------------ the page
def test_page_and_static_files_are_served_with_strict_headers(client):
    page = client.get("/review")
    assert page.status_code == 200 and 'id="thread"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    for name, kind in (("review.js", "javascript"), ("review.css", "css"), ("signin.js", "javascript")):
        resp = client.get(f"/review/static/{name}")
        assert resp.status_code == 200 and kind in resp.headers["content-type"]
    assert "http" not in page.text.replace("http-equiv", "")  # nothing from elsewhere (no CDN)
    assert client.get("/review/static/../serve.py").status_code == 404
    assert client.get("/review/static/review.html").status_code == 404  # only the listed files


def test_thread_from_seed_page_has_scores_flags_and_highlights(store):
    from moderation.api import default_model

    model = default_model()  # the shipped model: the tiny one flags nothing on the seed
    with TestClient(create_app(model, token="", labels=store)) as client:
        resp = client.post("/review/api/thread", json={"file_base64": _b64(SEED.read_bytes()),
                                                        "filename": SEED.name})
    assert resp.status_code == 200, resp.text
    thread = resp.json()
    assert thread["model"] == model.version and set(thread["thresholds"]) == {"hostile", "conspiratorial"}
    comments = thread["comments"]
    assert len(comments) == 12
    expected = model.score([c["text"] for c in comments])
    for c, (_, row) in zip(comments, expected.iterrows(), strict=True):
        assert c["scores"]["hostile"] == pytest.approx(row["hostile_score"], abs=1e-4)
        assert c["flags"]["hostile"] == bool(row["hostile_flag"])
        for label, spans in c["highlights"].items():
            assert label in ("hostile", "conspiratorial")
            for start, end, weight in spans:
                assert 0 <= start < end <= len(c["text"]) and weight > 0
    flagged = [c for c in comments if any(c["flags"].values())]
    assert flagged and all(c["highlights"] for c in flagged)


def test_thread_from_paste_and_table_uploads(client):
    pasted = client.post("/review/api/thread", json={"text": f"{HOSTILE}\n\n{BENIGN}"}).json()
    assert [c["text"] for c in pasted["comments"]] == [HOSTILE, BENIGN]
    assert "paragraph" in pasted["warnings"][0]

    table = "id,author,parent_id,text\n1,ann,,First comment here\n2,bob,1,A reply to ann\n3,cy,2,A reply to bob\n"
    comments = client.post("/review/api/thread", json={"file_base64": _b64(table.encode()),
                                                        "filename": "c.csv"}).json()["comments"]
    assert [(c["author"], c["depth"]) for c in comments] == [("ann", 0), ("bob", 1), ("cy", 2)]

    jsonl = '{"text": "one comment"}\n{"text": "two comment", "author": "dee"}\n'
    comments = client.post("/review/api/thread", json={"file_base64": _b64(jsonl.encode()),
                                                        "filename": "c.jsonl"}).json()["comments"]
    assert [c["author"] for c in comments] == [None, "dee"]
    # read as `moderation score` reads it: a `body` column, semicolons, Windows-1252
    legacy = "id;body\n7;Caf\xe9 owners are idiots\n".encode("cp1252")
    comments = client.post("/review/api/thread", json={"file_base64": _b64(legacy),
                                                        "filename": "legacy.csv"}).json()["comments"]
    assert [(c["id"], c["text"]) for c in comments] == [("7", "Caf\xe9 owners are idiots")]


def test_unreadable_inputs_say_how_to_fix(client):
    resp = client.post("/review/api/thread", json={"file_base64": _b64(b"words,who\nhi,me\n"), "filename": "x.csv"})
    assert resp.status_code == 422 and "no text column (looked for text, comment" in resp.json()["error"]["message"]
    assert "columns: words, who" in resp.json()["error"]["message"]
    resp = client.post("/review/api/thread", json={"file_base64": "not base64!", "filename": "x.html"})
    assert resp.status_code == 422 and "base64" in resp.json()["error"]["message"]
    resp = client.post("/review/api/thread", json={})
    assert resp.status_code == 422 and "either 'text'" in resp.json()["error"]["message"]
    many = "text\n" + "".join(f"comment number {i}\n" for i in range(MAX_COMMENTS + 1))
    resp = client.post("/review/api/thread", json={"file_base64": _b64(many.encode()), "filename": "m.csv"})
    assert resp.status_code == 413 and "Send them in batches" in resp.json()["error"]["message"]
    with pytest.raises(ReviewInputError, match="cannot read as JSONL"):
        read_comments(b"{not json", "x.jsonl")


def test_decisions_are_stored_and_exported_for_training(client, store, tmp_path):
    body = {"model": "tiny", "decisions": [
        {"text": HOSTILE, "id": "1", "labels": {"hostile": 1, "conspiratorial": 0}},
        {"text": BENIGN, "id": "2", "labels": {"hostile": 0}},
    ]}
    resp = client.post("/review/api/decisions", json=body)
    assert resp.json() == {"stored": 3, "total": 3}
    # a correction is a newer row; the export keeps the latest decision
    client.post("/review/api/decisions", json={"decisions": [{"text": HOSTILE, "labels": {"hostile": 0}}]})
    rows = store.decisions()
    assert len(rows) == 4 and rows[0]["model_version"] == "tiny" and rows[0]["source"] == "review"
    assert rows[0]["time"].endswith("+00:00") and rows[0]["comment_id"] == "1"
    export = client.get("/review/api/export")
    assert export.headers["content-disposition"] == 'attachment; filename="labels.csv"'
    path = tmp_path / "labels.csv"
    path.write_bytes(export.content)
    labels, problems = load_labels(path)
    assert not problems
    assert labels.set_index("text")["hostile"].to_dict() == {HOSTILE: 0, BENIGN: 0}
    assert pd.isna(labels.set_index("text").loc[BENIGN, "conspiratorial"])
    bad = client.post("/review/api/decisions", json={"decisions": [{"text": HOSTILE, "labels": {"toxic": 1}}]})
    assert bad.status_code == 422 and "labels are hostile, conspiratorial" in bad.json()["error"]["message"]


def test_label_store_checks_and_default_path(tmp_path, monkeypatch):
    with LabelStore(":memory:") as store:
        with pytest.raises(LabelStoreError, match="1 or 0"):
            store.record("text", {"hostile": 2})
        with pytest.raises(LabelStoreError, match="non-empty"):
            store.record("  ", {"hostile": 1})
        with pytest.raises(LabelStoreError, match="at least one"):
            store.record("text", {})
        assert store.record("text", {"hostile": True}) == 1
        assert store.latest() == [{"text": "text", "hostile": 1, "conspiratorial": None}]
    monkeypatch.setenv("MODERATION_LABELS_DB", str(tmp_path / "x" / "l.db"))
    assert default_store_path() == tmp_path / "x" / "l.db"
    monkeypatch.delenv("MODERATION_LABELS_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_store_path() == tmp_path / "data" / "moderation" / "labels.sqlite3"


# ---------------------------------------------------------------- token and CSRF
def test_with_a_token_the_page_shows_a_sign_in_form_and_the_api_refuses(secured):
    page = secured.get("/review")
    assert page.status_code == 200 and 'id="signin-form"' in page.text and 'id="thread"' not in page.text
    assert secured.get("/review/static/review.js").status_code == 200  # code, no data
    assert secured.post("/review/api/thread", json={"text": HOSTILE}).status_code == 401
    assert secured.get("/review/api/export").status_code == 401
    forged = secured.get("/review/api/export", headers={"Cookie": f"{SESSION_COOKIE}=9999999999.x.\xe9".encode("latin-1")})
    assert forged.status_code == 401
    wrong = secured.post("/review/api/signin", json={"token": "nope"})
    assert wrong.status_code == 401 and SESSION_COOKIE not in wrong.cookies


def test_sign_in_sets_a_strict_http_only_session_cookie(secured):
    resp = secured.post("/review/api/signin", json={"token": "s3cret"})
    assert resp.status_code == 204
    cookie = resp.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "s3cret" not in cookie
    assert 'id="thread"' in secured.get("/review").text
    assert secured.post("/review/api/thread", json={"text": HOSTILE}).status_code == 200
    assert secured.get("/review/api/export").status_code == 200
    # the session opens the review page's API only, not the scoring API
    assert secured.post("/v1/score", json={"comments": [{"text": HOSTILE}]}).status_code == 401
    secured.post("/review/api/signout", json={})
    assert secured.post("/review/api/thread", json={"text": HOSTILE}).status_code == 401
    # a bearer token works as everywhere else
    resp = secured.post("/review/api/thread", json={"text": HOSTILE}, headers={"Authorization": "Bearer s3cret"})
    assert resp.status_code == 200


def test_session_cookies_expire_and_are_bound_to_the_token():
    value = session_cookie("tok", now=1000.0)
    assert session_valid("tok", value, now=1001.0)
    assert not session_valid("tok", value, now=1000.0 + 13 * 3600)
    assert not session_valid("other", value, now=1001.0)
    assert not session_valid("tok", value.replace(".", "x", 1), now=1001.0)
    assert not session_valid("tok", "garbage", now=1001.0)
    assert not session_valid("tok", "\u0663\u0663.x.\xe9\ud800", now=1001.0)  # never an error


def test_state_changing_requests_must_be_same_site_json(secured):
    secured.post("/review/api/signin", json={"token": "s3cret"})
    decision = {"decisions": [{"text": HOSTILE, "labels": {"hostile": 1}}]}
    # what a cross-site HTML form can send: urlencoded, multipart, text/plain
    for kind, content in (("application/x-www-form-urlencoded", b"a=1"),
                          ("multipart/form-data; boundary=x", b"--x--"),
                          ("text/plain", b'{"decisions": []}')):
        resp = secured.post("/review/api/decisions", content=content, headers={"Content-Type": kind})
        assert resp.status_code == 415, kind
        assert "application/json" in resp.json()["error"]["message"]
    resp = secured.post("/review/api/decisions", json=decision, headers={"Origin": "https://evil.example"})
    assert resp.status_code == 403
    ok = secured.post("/review/api/decisions", json=decision, headers={"Origin": "http://testserver"})
    assert ok.status_code == 200


def test_no_comment_text_in_the_logs(client, caplog):
    with caplog.at_level(logging.DEBUG):
        client.post("/review/api/thread", json={"text": SECRET})
        client.post("/review/api/decisions", json={"decisions": [{"text": SECRET, "labels": {"hostile": 1}}]})
        client.post("/review/api/decisions", json={"decisions": [{"text": SECRET, "labels": {"bad": 1}}]})
        client.post(SUGGEST, json={"comment": {"text": SECRET},
                                   "attributeScores": {"HOSTILE": {"summaryScore": {"value": 1}}}})
    assert "Zqxv" not in caplog.text
    assert "/review/api/thread" in caplog.text  # the request log is there, without bodies


def test_upload_size_limit_holds_for_the_page(client):
    big = _b64(b"x" * (6 * 1024 * 1024))
    resp = client.post("/review/api/thread", json={"file_base64": big, "filename": "big.html"})
    assert resp.status_code == 413


# ------------------------------------------------------------ Perspective drop-in
def test_alias_answers_under_its_own_name(secured, tiny_model):
    body = {"comment": {"text": HOSTILE}, "requestedAttributes": {"TOXICITY": {}, "HOSTILE": {}}}
    resp = secured.post(f"{ANALYZE}?key=s3cret", json=body)
    assert resp.status_code == 200, resp.text
    scores = resp.json()["attributeScores"]
    expected = float(tiny_model.score([HOSTILE]).iloc[0]["hostile_score"])
    assert scores["TOXICITY"]["summaryScore"]["value"] == pytest.approx(expected)
    assert scores["HOSTILE"] == scores["TOXICITY"]


def test_without_an_alias_unknown_attributes_stay_a_400(client):
    body = {"comment": {"text": HOSTILE}, "requestedAttributes": {"TOXICITY": {}}}
    resp = client.post(ANALYZE, json=body)
    assert resp.status_code == 400
    message = resp.json()["error"]["message"]
    assert "Unknown requested attribute(s): TOXICITY" in message and "--attribute-alias" in message


def test_aliases_from_the_environment(tiny_model, store, monkeypatch):
    monkeypatch.setenv("MODERATION_ATTRIBUTE_ALIASES", "toxicity=hostile, INSULT=HOSTILE")
    with TestClient(create_app(tiny_model, token="", labels=store)) as c:
        body = {"comment": {"text": HOSTILE}, "requestedAttributes": {"TOXICITY": {}, "INSULT": {}}}
        assert set(c.post(ANALYZE, json=body).json()["attributeScores"]) == {"TOXICITY", "INSULT"}


@pytest.mark.parametrize("spec, message", [
    ("TOXICITY", "is not NAME=ATTRIBUTE"),
    ("TOXICITY=SPAM", "names SPAM"),
    ("HOSTILE=CONSPIRATORIAL", "is an attribute already"),
])
def test_bad_aliases_say_how_to_fix(spec, message, tiny_model_path, capsys):
    with pytest.raises(ValueError, match=message):
        parse_attribute_aliases([spec])
    assert main(["serve", "--model", str(tiny_model_path), "--attribute-alias", spec]) == 2
    assert message in capsys.readouterr().err


def test_span_scores_are_per_sentence(client, tiny_model):
    text = f"{BENIGN} {HOSTILE}  Is that so?"
    body = {"comment": {"text": text}, "requestedAttributes": {"HOSTILE": {}}, "spanAnnotations": True}
    entry = client.post(ANALYZE, json=body).json()["attributeScores"]["HOSTILE"]
    spans = entry["spanScores"]
    assert [(s["begin"], s["end"]) for s in spans] == sentence_spans(text)
    assert [text[s["begin"]:s["end"]] for s in spans] == [BENIGN, HOSTILE, "Is that so?"]
    expected = tiny_model.score([BENIGN, HOSTILE, "Is that so?"])["hostile_score"].tolist()
    assert [s["score"]["value"] for s in spans] == pytest.approx(expected)
    assert spans[1]["score"]["value"] > spans[0]["score"]["value"]
    without = client.post(ANALYZE, json={**body, "spanAnnotations": False}).json()["attributeScores"]["HOSTILE"]
    assert "spanScores" not in without


def test_sentence_spans_edge_cases():
    assert sentence_spans("one") == [(0, 3)]
    assert sentence_spans("") == [(0, 0)]
    text = 'He said "you fool." Then left!\n\nNew paragraph without end'
    assert [text[b:e] for b, e in sentence_spans(text)] == ['He said "you fool."', "Then left!",
                                                           "New paragraph without end"]


def test_suggestscore_feeds_the_label_store(secured, store):
    body = {"comment": {"text": BENIGN}, "clientToken": "t-1", "languages": ["en"],
            "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.9}},
                                "CONSPIRATORIAL": {"summaryScore": {"value": 0.1}}}}
    resp = secured.post(f"{SUGGEST}?key=s3cret", json=body)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"requestedLanguages": ["en"], "clientToken": "t-1"}
    [h, c] = store.decisions()
    assert (h["label"], h["value"], h["source"]) == ("hostile", 1, "suggestscore")
    assert (c["label"], c["value"]) == ("conspiratorial", 0)
    unknown = secured.post(f"{SUGGEST}?key=s3cret", json={**body, "attributeScores": {"SPAM": {}}})
    assert unknown.status_code == 400 and unknown.json()["error"]["status"] == "INVALID_ARGUMENT"
    no_score = secured.post(f"{SUGGEST}?key=s3cret", json={**body, "attributeScores": {"HOSTILE": {}}})
    assert no_score.status_code == 400 and "summaryScore.value" in no_score.json()["error"]["message"]
    assert secured.post(SUGGEST, json=body).status_code == 401


def test_the_page_s_files_are_package_data() -> None:
    """A wheel carries the page (tests/test_install.py builds one; .ci/run checks an installed copy)."""
    import fnmatch

    tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads pyproject.toml")
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["moderation"]
    files = [p.relative_to(ROOT / "moderation").as_posix() for p in (ROOT / "moderation" / "static").iterdir()]
    assert {"static/review.html", "static/signin.html", "static/review.js", "static/review.css"} <= set(files)
    assert all(any(fnmatch.fnmatch(f, pattern) for pattern in patterns) for f in files), files
