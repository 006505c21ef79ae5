"""Word vectors learned from the training texts (the ``embed`` feature block)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from moderation.features import WordEmbeddingFeatures, make_features, make_pipeline

# "stab" and "kill" share their contexts, "bake" and "cook" theirs: vectors must show it.
CORPUS = [
    f"i will {verb} you tonight with a knife" for verb in ("stab", "kill")
] * 20 + [
    f"we {verb} bread and cakes in the oven" for verb in ("bake", "cook")
] * 20 + ["the weather was grey and the bus was late"] * 10


def _fitted(**params) -> WordEmbeddingFeatures:
    return WordEmbeddingFeatures(n_components=4, min_df=1, **params).fit(CORPUS)


def _vector(emb: WordEmbeddingFeatures, word: str) -> np.ndarray:
    return emb.vectors_[emb.word_index_[word]]


def test_words_used_alike_get_close_vectors() -> None:
    emb = _fitted()
    stab, kill, bake = (_vector(emb, w) for w in ("stab", "kill", "bake"))
    assert stab @ kill > 0.9
    assert stab @ kill > stab @ bake + 0.5


def test_features_are_non_negative_halves_of_a_scaled_unit_vector() -> None:
    emb = _fitted(scale=2.0)
    X = emb.transform(["i will stab you", "we bake bread", "", "zzzz unknown"]).toarray()
    assert X.shape == (4, 8)
    assert (X >= 0).all()  # the naive-Bayes scaling of the CONSPIRATORIAL blend needs it
    signed = X[:, :4] - X[:, 4:]
    np.testing.assert_allclose(np.linalg.norm(signed[:2], axis=1), 2.0, rtol=1e-5)
    assert not X[2:].any()  # no known word: no vector, no crash
    assert list(emb.get_feature_names_out())[:2] == ["embed0+", "embed1+"]


def test_a_comment_is_read_through_its_words_vectors() -> None:
    emb = _fitted()
    X = emb.transform(["i will stab", "i will kill", "we bake"]).toarray()
    assert X[0] @ X[1] > X[0] @ X[2]


def test_unfitted_transform_is_refused_and_clone_keeps_params() -> None:
    emb = WordEmbeddingFeatures(n_components=7, window=3)
    with pytest.raises(Exception, match="fit"):
        emb.transform(["x"])
    assert clone(emb).get_params()["n_components"] == 7


def test_the_block_joins_the_feature_union_and_the_fast_path() -> None:
    feats = make_features(word_max_features=200, char_max_features=200, category_max_features=100,
                          embedding_dims=4)
    assert [n for n, _ in feats.transformer_list] == ["word", "char", "lexicon", "category", "embed"]
    feats.set_params(word__min_df=1, char__min_df=1, category__min_df=1, embed__min_df=1)
    feats.fit(CORPUS)
    assert feats._fast_ok()
    docs = ["i will stab you", "we bake bread", "the bus was late"]
    fast = feats.transform(docs).toarray()
    plain = super(type(feats), feats).transform(docs).toarray()
    np.testing.assert_allclose(fast, plain, rtol=1e-5, atol=1e-6)


def test_a_pipeline_with_vectors_scores_raw_text() -> None:
    pipe = make_pipeline(C=1.0, word_max_features=200, char_max_features=200, embedding_dims=4)
    pipe.set_params(features__embed__min_df=1)
    y = np.array([[1, 0]] * 40 + [[0, 0]] * 40 + [[0, 1]] * 10, dtype=float)
    pipe.fit(CORPUS, y)
    proba = pipe.predict_proba(["i will kill you", "we cook bread"])
    assert proba[0][0, 1] > proba[0][1, 1]


@pytest.mark.parametrize("texts", [["one two three"] * 3, ["a"], [""] * 4, ["kill them all now"] * 5 + ["bake a cake"] * 5])
def test_a_corpus_with_fewer_words_than_dimensions_still_fits(texts: list[str]) -> None:
    emb = WordEmbeddingFeatures(n_components=50, min_df=1).fit(texts)
    X = emb.transform(texts + ["unseen"])
    assert X.shape == (len(texts) + 1, 100)
    assert np.isfinite(X.toarray()).all()
