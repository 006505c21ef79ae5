"""Tests for moderation.features: the per-label classifier and the pipeline."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from moderation.features import LABELS, LabelwiseClassifier, make_pipeline


def _expected_failed_checks(estimator: LabelwiseClassifier) -> dict[str, str]:
    return {
        "check_classifier_multioutput": (
            "the check assumes one classes_ array shared by all outputs; LabelwiseClassifier "
            "keeps a list with one classes_ array per output, as MultiOutputClassifier does"
        )
    }


# TextNormalizer is not run through parametrize_with_checks: the common checks feed 2-D numeric
# arrays, while it takes an iterable of raw strings (input_tags.string, not two_d_array), so
# nearly every check would test input it is never given. tests/test_normalize.py covers its
# clone/fit/transform/pickle contract directly.
@parametrize_with_checks([LabelwiseClassifier()], expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check) -> None:
    check(estimator)


def _data(seed: int = 0, n: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """Two separable-ish binary targets from different feature directions."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y0 = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(float)
    y1 = (X[:, 1] - X[:, 2] + 0.5 * rng.normal(size=n) > 0).astype(float)
    return X, np.column_stack([y0, y1])


def test_unknown_labels_are_ignored_for_that_label_only() -> None:
    X, Y = _data()
    Y_missing = Y.copy()
    unknown = np.zeros(len(Y), dtype=bool)
    unknown[::3] = True
    Y_missing[unknown, 1] = np.nan

    clf = LabelwiseClassifier(LogisticRegression()).fit(X, Y_missing)

    # label 0 is known everywhere: same as fitting on all rows
    full0 = LogisticRegression().fit(X, Y[:, 0])
    np.testing.assert_allclose(clf.estimators_[0].coef_, full0.coef_, rtol=1e-6)
    # label 1 equals a fit on its known rows alone
    known1 = LogisticRegression().fit(X[~unknown], Y[~unknown, 1])
    np.testing.assert_allclose(clf.estimators_[1].coef_, known1.coef_, rtol=1e-6)
    np.testing.assert_allclose(clf.estimators_[1].intercept_, known1.intercept_, rtol=1e-6)
    # ... and differs from treating the unknown rows as negatives
    as_zero = LogisticRegression().fit(X, np.nan_to_num(Y_missing[:, 1]))
    assert not np.allclose(clf.estimators_[1].coef_, as_zero.coef_, rtol=1e-3)
    # integer classes come back although NaN forced a float column
    assert [list(c) for c in clf.classes_] == [[0, 1], [0, 1]]
    assert clf.n_outputs_ == 2


def test_unknown_labels_also_drop_their_sample_weights() -> None:
    X, Y = _data(seed=1)
    Y[:40, 0] = np.nan
    w = np.linspace(0.5, 2.0, len(Y))
    clf = LabelwiseClassifier(LogisticRegression()).fit(X, Y, sample_weight=w)
    ref = LogisticRegression().fit(X[40:], Y[40:, 0], sample_weight=w[40:])
    np.testing.assert_allclose(clf.estimators_[0].coef_, ref.coef_, rtol=1e-6)


def test_an_output_without_any_known_label_is_refused() -> None:
    X, Y = _data()
    Y[:, 1] = np.nan
    with pytest.raises(ValueError, match="Output 1 has no known labels"):
        LabelwiseClassifier().fit(X, Y)


def test_predict_proba_is_one_array_per_output() -> None:
    X, Y = _data()
    clf = LabelwiseClassifier().fit(X, Y)
    proba = clf.predict_proba(X[:7])
    assert isinstance(proba, list) and len(proba) == 2
    for j, p in enumerate(proba):
        assert p.shape == (7, 2)
        np.testing.assert_allclose(p.sum(axis=1), 1.0)
        np.testing.assert_allclose(p[:, 1], clf.positive_proba(X[:7])[:, j])
    assert clf.predict(X[:7]).shape == (7, 2)


def test_calibrate_changes_positive_proba_monotonically() -> None:
    X, Y = _data(seed=2, n=200)
    fit_rows, cal_rows = slice(0, 120), slice(120, 200)
    clf = LabelwiseClassifier(LogisticRegression(C=100.0)).fit(X[fit_rows], Y[fit_rows])
    before = clf.positive_proba(X[cal_rows])
    decision = clf.decision_function(X[cal_rows])
    Y_cal = Y[cal_rows].copy()
    Y_cal[::4, 0] = np.nan  # unknown labels are skipped during calibration too
    clf.calibrate(X[cal_rows], Y_cal)
    after = clf.positive_proba(X[cal_rows])

    assert clf._calibrated
    assert not np.allclose(before, after)  # the scores really moved
    for j in range(len(LABELS)):
        slope, intercept = clf.calibration_[j]
        assert slope > 0
        # after = sigmoid(slope * decision + intercept): same order as the raw decision values
        np.testing.assert_allclose(
            after[:, j], 1 / (1 + np.exp(-(slope * decision[:, j] + intercept)))
        )
        order = np.argsort(decision[:, j], kind="stable")
        assert np.all(np.diff(after[order, j]) >= 0)
        assert np.all(np.diff(before[order, j]) >= 0)


def test_calibrate_skips_an_output_with_one_class() -> None:
    X, Y = _data(seed=3)
    clf = LabelwiseClassifier().fit(X, Y)
    Y_cal = Y.copy()
    Y_cal[:, 1] = 0.0
    clf.calibrate(X, Y_cal)
    np.testing.assert_array_equal(clf.calibration_[1], [1.0, 0.0])
    assert clf.calibration_[0, 0] != 1.0


def test_make_pipeline_fits_raw_text_with_missing_labels() -> None:
    texts = [f"you are an idiot number {i}" for i in range(6)] + [
        f"the bus is late again on route {i}" for i in range(6)
    ]
    Y = np.array([[1.0, np.nan]] * 6 + [[0.0, 0.0]] * 6)
    Y[0, 1] = 1.0
    pipe = make_pipeline(word_max_features=100, char_max_features=100)
    pipe.fit(texts, Y)
    scores = pipe[-1].positive_proba(pipe[:-1].transform(["what an 1d10t", "the bus was late"]))
    assert scores.shape == (2, 2)
    assert scores[0, 0] > scores[1, 0]


def test_category_stream_shares_patterns_across_groups() -> None:
    from moderation.features import category_ngrams

    muslims = category_ngrams("honestly i cannot stand muslims")
    women = category_ngrams("honestly i cannot stand women")
    assert "NEG stand GROUP" in muslims and muslims == women
    assert "VIOLENT YOU" in category_ngrams("i am going to kill you")
    assert "GROUP are DEHUM" in category_ngrams("refugees are vermin")
    # only n-grams holding a category token: the word block has the rest
    assert category_ngrams("the bus lanes are a mess") == []


def test_category_stream_reads_hatred_words_and_contracted_negation() -> None:
    from moderation.features import category_ngrams
    from moderation.normalize import normalize

    assert "HATE GROUP" in category_ngrams(normalize("I loathe Romanians"))
    assert "NEG stand GROUP" in category_ngrams(normalize("I can't stand Muslims"))
    assert "GROUP DEHUM" in category_ngrams(normalize("Lesbians = 🐀🐀🐀"))


def test_source_offsets_keep_a_source_style_from_standing_in_for_the_label() -> None:
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    from moderation.features import LabelwiseClassifier

    rng = np.random.default_rng(0)
    n = 400
    source = np.where(np.arange(n) < n // 2, "toxic_corpus", "mixed_corpus")
    y = np.where(source == "toxic_corpus", rng.random(n) < 0.95, rng.random(n) < 0.3).astype(float)
    signal = (y == 1) & (rng.random(n) < 0.7) | (y == 0) & (rng.random(n) < 0.1)
    style = source == "toxic_corpus"  # a word every comment of that corpus happens to use
    X = sparse.csr_matrix(np.column_stack([style, signal]).astype(float))
    est = LogisticRegression(C=10.0, solver="liblinear")
    plain = LabelwiseClassifier(est).fit(X, y)
    offsets = LabelwiseClassifier(est).fit(X, y, groups=source)
    assert offsets.estimators_[0].coef_.shape == (1, 2)  # the source columns are dropped
    assert plain.estimators_[0].coef_[0, 0] > 1.0
    assert abs(offsets.estimators_[0].coef_[0, 0]) < 0.5 * plain.estimators_[0].coef_[0, 0]
    assert offsets.decision_function(X).shape == (n,)


def test_category_stream_marks_reported_and_condemned_abuse() -> None:
    from moderation.features import category_ngrams
    from moderation.normalize import normalize

    counter = category_ngrams(normalize("Calling refugees vermin is disgusting."))
    assert "REPORT GROUP DEHUM" in counter and "DEHUM is CONDEMN" in counter
    assert "GROUP are CONDEMN" in category_ngrams(normalize("gays are disgusting"))


def test_category_ngrams_equal_the_plain_definition() -> None:
    """The window walk over category positions gives exactly every n-gram that holds a
    category token (and the skip-pairs), as the plain definition does."""
    from collections import Counter

    from moderation.features import SKIP_WINDOW, STREAM_TOKENS, category_ngrams

    def plain(doc: str) -> list[str]:
        words = doc.split()
        mapped = [STREAM_TOKENS.get(w) or w for w in words]
        marked = [w in STREAM_TOKENS for w in words]
        out = [" ".join(mapped[i : i + n]) for n in (2, 3) for i in range(len(words) - n + 1)
               if any(marked[i : i + n])]
        cats = [i for i, m in enumerate(marked) if m]
        out += [f"{mapped[i]}~{mapped[j]}" for a, i in enumerate(cats) for j in cats[a + 1 :]
                if 1 < j - i <= SKIP_WINDOW]
        return out

    rng = np.random.default_rng(1)
    vocab = ["you", "idiot", "the", "muslims", "are", "vermin", "not", "a", "will", "kill", "bus"]
    for _ in range(300):
        doc = " ".join(rng.choice(vocab, size=int(rng.integers(0, 14))))
        assert Counter(category_ngrams(doc)) == Counter(plain(doc)), doc
