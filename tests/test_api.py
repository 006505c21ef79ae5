"""Contract tests of the module-level Python API: moderation.score and moderation.score_page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import moderation
import moderation.model
from moderation import api
from moderation.model import SCORE_COLUMNS
from moderation.parse import COLUMNS, parse_comments

DATA = Path(__file__).parent / "data" / "score"


@pytest.fixture
def default_is_tiny(tiny_model_path, monkeypatch):
    """Point the default model at the tiny test model, with an empty cache before and after."""
    monkeypatch.setenv("MODERATION_MODEL", str(tiny_model_path))
    api.clear_cache()
    yield tiny_model_path
    api.clear_cache()


def test_package_exports_score_and_score_page():
    assert moderation.score is api.score
    assert moderation.score_page is api.score_page
    assert moderation.load_model is moderation.model.load_model


def test_score_returns_scores_in_input_order(default_is_tiny):
    texts = [
        "The new bakery on the high street sells great bread.",
        "You are a pathetic moron, nobody wants your opinion.",
        "The globalists planned the blackout to control the population.",
    ]
    out = moderation.score(texts)
    assert list(out.columns) == list(SCORE_COLUMNS)
    assert len(out) == 3
    assert out["hostile_score"].between(0, 1).all()
    assert out["hostile_score"].iloc[1] > out["hostile_score"].iloc[0]
    assert out["conspiratorial_score"].iloc[2] > out["conspiratorial_score"].iloc[0]
    assert out["hostile_flag"].dtype == bool
    # same numbers as the model itself
    direct = moderation.load_model(default_is_tiny).score(texts)
    pd.testing.assert_frame_equal(out, direct)


def test_score_loads_default_model_once(default_is_tiny, monkeypatch):
    calls = []
    real = moderation.model.load_model

    def counting(path=None):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(moderation.model, "load_model", counting)
    moderation.score(["one"])
    moderation.score(["two", "three"])
    assert len(calls) == 1
    assert api.default_model() is api.default_model()


def test_default_model_follows_moderation_model_env(default_is_tiny, tmp_path, monkeypatch):
    other = tmp_path / "other"
    shutil.copytree(default_is_tiny, other)
    card = json.loads((other / "model.json").read_text())
    card["name"] = "other-version"
    (other / "model.json").write_text(json.dumps(card))
    assert api.default_model().version == "tiny"
    monkeypatch.setenv("MODERATION_MODEL", str(other))
    assert api.default_model().version == "other-version"


def test_score_missing_text_gives_nan_and_false(default_is_tiny):
    with pytest.warns(UserWarning, match="1 missing"):
        out = moderation.score(["fine", None])
    assert pd.isna(out["hostile_score"].iloc[1])
    assert not out["hostile_flag"].iloc[1]


def test_score_rejects_a_bare_string(default_is_tiny):
    with pytest.raises(TypeError, match=r"score\(\[text\]\)"):
        moderation.score("You absolute halfwit")


def test_score_accepts_an_explicit_model(tiny_model, monkeypatch):
    monkeypatch.setenv("MODERATION_MODEL", "/nonexistent/model")
    api.clear_cache()
    out = moderation.score(["hello"], model=tiny_model)
    assert len(out) == 1


@pytest.mark.parametrize("page", ["page.txt", "page.html"])
def test_score_page_returns_comments_with_scores(default_is_tiny, page):
    path = DATA / page
    out = moderation.score_page(path)
    comments = parse_comments(path)
    assert list(out.columns) == list(COLUMNS) + list(SCORE_COLUMNS)
    assert out["text"].tolist() == [c.text for c in comments]
    assert out["id"].tolist() == [c.id for c in comments]
    assert out["hostile_score"].notna().all()


def test_score_page_accepts_page_text_and_explain(tiny_model):
    html = (DATA / "page.html").read_text(encoding="utf-8")
    out = moderation.score_page(html, model=tiny_model, explain=True)
    assert len(out) == 2
    reasons = [json.loads(r) for r in out["reasons"]]
    for r, flagged_h, flagged_c in zip(
        reasons, out["hostile_flag"], out["conspiratorial_flag"], strict=True
    ):
        assert set(r) == {k for k, f in (("hostile", flagged_h), ("conspiratorial", flagged_c)) if f}


def test_score_page_without_comments_is_empty(tiny_model):
    with pytest.warns(UserWarning):
        out = moderation.score_page("Just an article.\n\nNo comments here.", model=tiny_model)
    assert out.empty
    assert list(out.columns) == list(COLUMNS) + list(SCORE_COLUMNS)


def test_reasons_for_only_flagged_labels(tiny_model):
    text = "You are a pathetic moron."
    assert api.reasons_for(tiny_model, text, {"hostile": False, "conspiratorial": False}) == {}
    got = api.reasons_for(tiny_model, text, {"hostile": True, "conspiratorial": False})
    assert list(got) == ["hostile"]
    assert all(isinstance(w, str) and w in text for w in got["hostile"])


def test_reasons_for_gives_trimmed_unique_words(tiny_model):
    from moderation.explain import FUNCTION_WORDS

    text = "You are a pathetic moron!!! You. A MORON, a moron."
    got = api.reasons_for(tiny_model, text, {"hostile": True, "conspiratorial": True}, top=10)
    assert set(got) == {"hostile", "conspiratorial"}
    assert got["hostile"]
    for words in got.values():
        assert len({w.casefold() for w in words}) == len(words), words  # no duplicates
        for w in words:
            assert w in text and w == w.strip(".,!? "), words  # no surrounding punctuation
            assert w.casefold() not in FUNCTION_WORDS, words  # no lone "you" or "a"
    assert "moron" in [w.casefold() for w in got["hostile"]]
