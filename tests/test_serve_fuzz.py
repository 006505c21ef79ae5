"""Property-based fuzz of the service's JSON bodies: no request ever yields a 5xx."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from moderation.serve import create_app  # noqa: E402

ROUTES = ["/v1/score", "/v1/parse", "/v1alpha1/comments:analyze"]
FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# any code point, lone surrogates included (JSON carries them as \udXXX escapes); hypothesis
# draws those rarely, so strings known to be tricky are sampled half of the time
tricky = st.sampled_from(["\udc80", "a\ud800b", "\U0001f605", "\x00", "\u202e", "", " ", "\\ud800"])
any_text = tricky | st.text(
    st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()), max_size=60
)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
# Near-valid bodies (right shape, hostile values) reach the handlers; chaos bodies test validation.
ids = st.none() | st.integers() | any_text
near_comments = st.fixed_dictionaries({"text": any_text}, optional={"id": ids, "extra": json_values})
chaos_comments = st.fixed_dictionaries(
    {"text": any_text | json_scalars}, optional={"id": ids | json_scalars, "extra": json_values}
)
score_bodies = st.fixed_dictionaries(
    {"comments": st.lists(near_comments, max_size=5)}, optional={"explain": st.booleans()}
) | st.fixed_dictionaries(
    {"comments": st.lists(chaos_comments, max_size=5) | json_values}, optional={"explain": json_values}
)
parse_bodies = st.fixed_dictionaries(
    {"page": any_text | st.just("Ann says:\n\nHello there\n\nReply\n") | json_scalars},
    optional={"score": st.booleans() | json_values, "explain": st.booleans()},
)
names = st.sampled_from(["HOSTILE", "CONSPIRATORIAL"])
near_attributes = st.dictionaries(
    names | st.sampled_from(["TOXICITY", "", "hostile"]),
    st.fixed_dictionaries(
        {},
        optional={
            "scoreType": st.sampled_from(["PROBABILITY", "STD_DEV_SCORE"]) | any_text,
            "scoreThreshold": st.floats(0, 1) | st.integers(),
        },
    ),
    max_size=3,
)
chaos_attributes = st.dictionaries(any_text, json_values, max_size=3)
analyze_bodies = st.fixed_dictionaries(
    {"comment": st.fixed_dictionaries({"text": any_text}, optional={"type": any_text}),
     "requestedAttributes": near_attributes},
    optional={
        "languages": st.lists(st.sampled_from(["en", "en-GB", "de"]) | any_text, max_size=3),
        "clientToken": any_text,
        "spanAnnotations": st.booleans(),
        "doNotStore": st.booleans(),
    },
) | st.fixed_dictionaries(
    {"comment": st.fixed_dictionaries({"text": any_text | json_scalars}) | json_values,
     "requestedAttributes": near_attributes | chaos_attributes},
    optional={"languages": json_values, "clientToken": json_values, "spanAnnotations": json_values},
)


@pytest.fixture(scope="module")
def client(tiny_model):
    with TestClient(create_app(tiny_model, token=""), raise_server_exceptions=False) as c:
        yield c


def _post(client, route: str, body: object):
    content = json.dumps(body)  # ensure_ascii keeps lone surrogates as escapes
    resp = client.post(route, content=content, headers={"content-type": "application/json"})
    assert resp.status_code < 500, (route, resp.status_code, resp.text[:300])
    data = resp.json()
    if resp.status_code >= 400:
        assert set(data) == {"error"} and data["error"]["message"]
    return resp


@FUZZ
@given(body=score_bodies)
@example(body={"comments": [{"id": "\udc80", "text": "a\ud800b"}], "explain": True})
def test_score_bodies_never_500(client, body):
    resp = _post(client, "/v1/score", body)
    if resp.status_code == 200:
        assert len(resp.json()["results"]) == len(body["comments"])


@FUZZ
@given(body=parse_bodies)
@example(body={"page": "Ann says:\n\nHello \udc80 there\n\nReply\n"})
def test_parse_bodies_never_500(client, body):
    _post(client, "/v1/parse", body)


@FUZZ
@given(body=analyze_bodies)
@example(body={"comment": {"text": "x"}, "requestedAttributes": {"HOSTILE": {}}, "clientToken": "\udc80"})
@example(body={"comment": {"text": "x"}, "requestedAttributes": {"\udc80": {}}})
def test_analyze_bodies_never_500(client, body):
    resp = _post(client, "/v1alpha1/comments:analyze", body)
    if resp.status_code >= 400:
        assert resp.status_code == 400 and resp.json()["error"]["status"] == "INVALID_ARGUMENT"


@FUZZ
@given(route=st.sampled_from(ROUTES), body=json_values)
def test_arbitrary_json_never_500(client, route, body):
    _post(client, route, body)


@FUZZ
@given(route=st.sampled_from(ROUTES), raw=st.binary(max_size=200))
def test_arbitrary_bytes_never_500(client, route, raw):
    resp = client.post(route, content=raw, headers={"content-type": "application/json"})
    assert resp.status_code < 500, (route, resp.status_code, resp.text[:300])
