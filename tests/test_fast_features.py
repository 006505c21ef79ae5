"""The fast scoring path builds exactly the features the plain scikit-learn path builds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from moderation.features import CachedTfidfVectorizer, TextFeatures, make_features
from moderation.normalize import TextNormalizer, normalize_tokens
from moderation.obfuscate import obfuscate

#: Small training texts shared with the other feature tests (tests/data/features/).
TRAIN_TEXTS = (Path(__file__).parent / "data" / "features" / "train_texts.txt").read_text(
    encoding="utf-8").splitlines()

TRAIN = TRAIN_TEXTS * 3
DOCS = TRAIN[:10] + [
    "", "   ", "xquote vermin you idiot", "unseen words only zzzz qqqq",
    "you you you idiot idiot stupid", "a b c d e f",
] + [obfuscate(t, seed=3) for t in TRAIN[:10]]


def _fitted() -> tuple[TextNormalizer, TextFeatures]:
    norm = TextNormalizer(min_count=1).fit(TRAIN)
    feats = make_features(word_max_features=500, char_max_features=800)
    feats.set_params(word__min_df=1, char__min_df=1, word__max_df=1.0, char__max_df=1.0)
    feats.fit(norm.transform(TRAIN))
    return norm, feats


def test_cached_vectorizers_match_tfidfvectorizer() -> None:
    norm, feats = _fitted()
    docs = norm.transform(DOCS)
    for _, vec in feats.transformer_list[:2]:
        assert isinstance(vec, CachedTfidfVectorizer)
        expected = TfidfVectorizer.transform(vec, docs)
        got = vec.transform(docs)
        assert got.shape == expected.shape
        assert np.abs((got - expected).toarray()).max() == 0.0
        got_again = vec.transform(docs)  # from the warm cache
        assert np.abs((got_again - expected).toarray()).max() == 0.0


def test_fused_union_matches_featureunion() -> None:
    norm, feats = _fitted()
    docs = norm.transform(DOCS)
    expected = FeatureUnion.transform(feats, docs).toarray()
    got = feats.transform(docs).toarray()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-6)
    np.testing.assert_allclose(feats.transform(docs).toarray(), expected, atol=1e-6)


def test_fast_normaliser_matches_the_span_keeping_one() -> None:
    texts = DOCS + ["J e w s run it", "what a c u n t", "i.d.i.o.t and s c u m", "9/11 (((them)))"]
    norm = TextNormalizer(min_count=1).fit(TRAIN)
    slow = [" ".join(t.text for t in normalize_tokens(x, norm.vocabulary_)) for x in texts]
    assert norm.transform(texts) == slow


def test_raw_text_path_matches_normalise_then_transform() -> None:
    norm, feats = _fitted()
    raw = DOCS + ["You are a s c u m", "calling them 'rats' is vile", "@someone 1d10t!!", "9/11 (((them)))"]
    expected = FeatureUnion.transform(feats, norm.transform(raw)).toarray()
    got = feats.transform_raw(raw, norm).toarray()
    np.testing.assert_allclose(got, expected, atol=1e-6)
    np.testing.assert_allclose(feats.transform_raw(raw, norm).toarray(), expected, atol=1e-6)


def test_fused_path_with_the_category_stream_matches_featureunion() -> None:
    norm = TextNormalizer(min_count=1).fit(TRAIN)
    feats = make_features(word_max_features=500, char_max_features=800, category_max_features=300)
    feats.set_params(word__min_df=1, char__min_df=1, category__min_df=1, word__max_df=1.0,
                     char__max_df=1.0, category__max_df=1.0)
    feats.fit(norm.transform(TRAIN))
    assert [name for name, _ in feats.transformer_list][-1] == "category"
    raw = DOCS + ["I cannot stand muslims", "jews are vermin", "i will kill you"]
    expected = FeatureUnion.transform(feats, norm.transform(raw)).toarray()
    np.testing.assert_allclose(feats.transform(norm.transform(raw)).toarray(), expected, atol=1e-6)
    np.testing.assert_allclose(feats.transform_raw(raw, norm).toarray(), expected, atol=1e-6)


def test_category_vectorizer_matches_tfidfvectorizer() -> None:
    norm = TextNormalizer(min_count=1).fit(TRAIN)
    feats = make_features(word_max_features=500, char_max_features=800, category_max_features=300)
    feats.set_params(category__min_df=1, category__max_df=1.0)
    feats.fit(norm.transform(TRAIN))
    category = dict(feats.transformer_list)["category"]
    docs = norm.transform(DOCS + ["I cannot stand muslims", "you you idiot", ""])
    expected = TfidfVectorizer.transform(category, docs).toarray()
    np.testing.assert_allclose(category.transform(docs).toarray(), expected, atol=1e-6)
