"""The whole-batch feature path builds exactly the matrix of the plain scikit-learn path."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.pipeline import FeatureUnion

import moderation.batchfeatures as batchfeatures
from moderation.batchfeatures import BatchFeatures, _CharGrams, batch_features
from moderation.features import _char_wb_columns, make_features
from moderation.normalize import TextNormalizer
from moderation.obfuscate import obfuscate

#: Small training texts shared with the other feature tests (tests/data/features/).
TRAIN_TEXTS = (Path(__file__).parent / "data" / "features" / "train_texts.txt").read_text(
    encoding="utf-8").splitlines()

TRAIN = [
    *TRAIN_TEXTS,
    "i will kill you and your family, you vermin",
    "muslims and jews are not the enemy, you idiot",
    "they should be deported, all of them, they are rats",
    "we need to stop them before they ruin everything",
] * 3

RAW = TRAIN[:14] + [
    "", "   ", "\t\n", "xquote vermin you idiot", "unseen words only zzzz qqqq",
    "you you you idiot idiot stupid", "a b c d e f", "You are a s c u m", "J e w s run it",
    "what a c u n t", "i.d.i.o.t and s c u m", "calling them 'rats' is vile", "@someone 1d10t!!",
    "9/11 (((them)))", "f*ck you, you f**king 1d10t", "stuuuupid idiooot", "Іslаm is a cult",
    "Vielen Dank für diese Recherche, sehr gut geschrieben!", "Gracias por el artículo, muy bueno",
    "これは日本語のコメントです", "пример русского текста", "🐀🐀 lesbians🐀 you 🤡",
    "https://example.com/x?y=1 www.foo.org you idiot", "well-known anti-vax idiots, pro-life",
    "\"quoted vermin\" and (parenthesised scum) [brackets]", "you… idiot’s rant — 100% rigged",
    "x" * 300, "you " * 50 + "idiot", "I cannot stand muslims", "jews are vermin", "i will kill you",
    "nan", "None", "a\u200bb zero\u200dwidth", "ｆｕｌｌｗｉｄｔｈ ｉｄｉｏｔ", "you\x1cidiot \x85 them",
    "don't you'd rock'n'roll o' 'tis", "www. WWW wwwhat Awww", "Sooo stupiddd AAAAH idiots!!!",
    "Idiot.) scum]}> vermin\"' rats;:?!", "e.g. U.S. you... idiot-ish", "RATS rats Rats",
    "youidiot #killallmuslims", "\"iwillkillyou\" (theyarevermin) Muslimsarerats!",
    "I htae Mulsims, you idot!", "(wmoen) \"vremin\" ratss",
] + [obfuscate(t, seed=s) for s in (3, 7) for t in TRAIN[:14]]


def _fitted(*, category: bool = True, embed: bool = True):
    norm = TextNormalizer(min_count=1).fit(TRAIN)
    feats = make_features(word_max_features=600, char_max_features=900,
                          category_max_features=300 if category else 0, embedding_dims=4 if embed else 0)
    params = dict(word__min_df=1, char__min_df=1, word__max_df=1.0, char__max_df=1.0)
    if category:
        params.update(category__min_df=1, category__max_df=1.0)
    if embed:
        params.update(embed__min_df=1)
    feats.set_params(**params)
    feats.fit(norm.transform(TRAIN))
    return norm, feats


def _reference(feats, norm, raw) -> np.ndarray:
    """The plain scikit-learn path: normalise, then every block's own transform."""
    return FeatureUnion.transform(feats, norm.transform(raw)).toarray()


@pytest.mark.parametrize("category,embed", [(True, True), (True, False), (False, True), (False, False)])
def test_batch_path_matches_the_scikit_learn_path(category: bool, embed: bool) -> None:
    norm, feats = _fitted(category=category, embed=embed)
    batch = batch_features(feats, norm)
    assert batch is not None
    expected = _reference(feats, norm, RAW)
    got = batch.transform(RAW).toarray()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    # again, from warm tables, and in another order and batch size
    np.testing.assert_allclose(batch.transform(RAW).toarray(), expected, rtol=1e-6, atol=1e-7)
    order = np.random.default_rng(0).permutation(len(RAW))
    np.testing.assert_allclose(batch.transform([RAW[i] for i in order]).toarray(), expected[order],
                               rtol=1e-6, atol=1e-7)


def test_batch_path_equals_the_per_comment_fast_path_bit_for_bit() -> None:
    norm, feats = _fitted()
    per_comment = feats.transform(norm.transform(RAW))
    got = batch_features(feats, norm).transform(RAW)
    assert abs(got - per_comment).max() == 0.0


def test_transform_raw_takes_the_batch_path_for_large_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    norm, feats = _fitted()
    expected = feats.transform(norm.transform(RAW)).toarray()
    monkeypatch.setattr(type(feats), "BATCH_MIN", 1)
    got = feats.transform_raw(RAW, norm).toarray()
    assert "_batch" in feats.__dict__
    np.testing.assert_array_equal(got, expected)
    # pickling leaves the tables behind
    assert "_batch" not in feats.__getstate__()


def test_missing_and_non_string_texts_read_as_the_normaliser_reads_them() -> None:
    norm, feats = _fitted()
    raw = [None, math.nan, "you idiot", 12, ""]
    expected = _reference(feats, norm, raw)
    np.testing.assert_allclose(batch_features(feats, norm).transform(raw).toarray(), expected,
                               rtol=1e-6, atol=1e-7)


def test_empty_batch_and_empty_texts() -> None:
    norm, feats = _fitted()
    batch = batch_features(feats, norm)
    assert batch.transform([]).shape == (0, _reference(feats, norm, ["x"]).shape[1])
    assert batch.transform(["", " "]).nnz == 0


def test_tables_are_rebuilt_past_their_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    norm, feats = _fitted()
    batch = batch_features(feats, norm)
    expected = _reference(feats, norm, RAW)
    batch.transform(RAW)
    monkeypatch.setattr(batchfeatures, "_RAW_LIMIT", 10)
    norm._cache["sentinel-token"] = "sentinel"
    np.testing.assert_allclose(batch.transform(RAW).toarray(), expected, rtol=1e-6, atol=1e-7)
    assert len(batch.raw_ids) < 10_000
    assert "sentinel-token" not in norm._cache  # the normaliser's token cache goes with them


def test_char_ngrams_of_many_tokens_match_the_analyzer() -> None:
    norm, feats = _fitted()
    char = dict(feats.transformer_list)["char"]
    grams = _CharGrams(char.vocabulary_, char.ngram_range)
    assert grams.ok
    tokens = ["a", "ab", "abc", "idiot", "vermin", "ünïcødé", "🐀x", "x" * 40, "a\ud800b", "zzzz"]
    lengths, cols = grams.columns_of(tokens)
    at = 0
    for token, n in zip(tokens, lengths, strict=True):
        expected = _char_wb_columns(token, *char.ngram_range, char.vocabulary_)
        assert sorted(cols[at : at + n].tolist()) == sorted(expected), token
        at += n


@pytest.mark.parametrize("ngram_range", [(2, 4), (4, 5), (1, 3)])
def test_char_ngrams_of_other_ranges(ngram_range: tuple[int, int]) -> None:
    norm = TextNormalizer(min_count=1).fit(TRAIN)
    feats = make_features(word_max_features=600, char_max_features=900, char_ngram_range=ngram_range)
    feats.set_params(word__min_df=1, char__min_df=1, word__max_df=1.0, char__max_df=1.0)
    feats.fit(norm.transform(TRAIN))
    expected = _reference(feats, norm, RAW)
    np.testing.assert_allclose(batch_features(feats, norm).transform(RAW).toarray(), expected,
                               rtol=1e-6, atol=1e-7)


def test_unsupported_configurations_fall_back() -> None:
    norm, feats = _fitted()
    feats.set_params(word__lowercase=True)
    assert not BatchFeatures.supports(feats)
    assert batch_features(feats, norm) is None


def test_pyarrow_splits_on_the_whitespace_str_split_splits_on() -> None:
    pa = pytest.importorskip("pyarrow")
    pc = pytest.importorskip("pyarrow.compute")
    points = [chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000]
    got = pc.list_value_length(pc.utf8_split_whitespace(pa.array([f"a{c}b" for c in points])))
    expected = [len(f"a{c}b".split()) for c in points]
    assert got.to_pylist() == expected


def test_texts_pyarrow_cannot_take_go_through_str_split() -> None:
    norm, feats = _fitted()
    raw = RAW + ["lone \ud800 surrogate you idiot"]
    expected = _reference(feats, norm, raw)
    np.testing.assert_allclose(batch_features(feats, norm).transform(raw).toarray(), expected,
                               rtol=1e-6, atol=1e-7)


def test_stripped_lengths_equal_rstrip() -> None:
    from moderation.batchfeatures import _stripped_lengths
    from moderation.normalize import _TRAIL_PUNCT

    tokens = ["", ".", "a.", "a", "…", "’", "x’”", "—a—", "ab!!", "s,", "(s)", "I'", "\u0301.", "😀."]
    assert _stripped_lengths(tokens).tolist() == [len(t.rstrip(_TRAIL_PUNCT)) for t in tokens]
    assert _stripped_lengths(["\ud800.", "a."]).tolist() == [1, 1]  # pyarrow refuses: rstrip
