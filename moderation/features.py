"""Feature extraction and the per-label linear classifier of the scoring pipeline.

The pipeline is ``TextNormalizer -> FeatureUnion(word n-grams, char n-grams) ->
LabelwiseClassifier``. Word n-grams carry meaning ("should be deported"); character n-grams
inside word boundaries catch spellings the normaliser could not fully undo and unseen
inflections. Each label gets its own logistic regression, trained only on the rows where
that label is known, and its own Platt calibration fitted on validation data.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.exceptions import DataConversionWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from moderation.lexicon import CATEGORIES, YOU_WORDS
from moderation.normalize import QUOTE_TOKEN, TextNormalizer

__all__ = ["LABELS", "LabelwiseClassifier", "LexiconFeatures", "make_pipeline"]

#: The two labels, in the column order used everywhere.
LABELS: tuple[str, str] = ("hostile", "conspiratorial")

WORD_TOKEN_PATTERN = r"(?u)\b\w+\b"


def make_features(
    *, word_max_features: int = 150_000, char_max_features: int = 200_000
) -> FeatureUnion:
    """Word 1-2-gram and char_wb 2-5-gram TF-IDF features and lexicon category counts."""
    word = TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        token_pattern=WORD_TOKEN_PATTERN,
        lowercase=False,
        min_df=2,
        max_df=0.5,
        sublinear_tf=True,
        max_features=word_max_features,
        dtype=np.float32,
    )
    char = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        lowercase=False,
        min_df=3,
        max_df=0.5,
        sublinear_tf=True,
        max_features=char_max_features,
        dtype=np.float32,
    )
    return FeatureUnion([("word", word), ("char", char), ("lexicon", LexiconFeatures())])


class LexiconFeatures(TransformerMixin, BaseEstimator):
    """Counts of word categories (slurs, insults, dehumanising words, violence, ...) per text.

    N-gram weights are learned word by word, so a slur seen twice in training barely counts.
    Category counts share one weight across every word of a category, and two context
    features tell attacks from mentions: a category word within three words after "you", and a
    category word opening or inside a quotation (abuse that is quoted is often condemned).

    Input is normalised text (the output of :class:`~moderation.normalize.TextNormalizer`).
    """

    def __init__(self, *, window: int = 3) -> None:
        self.window = window

    def fit(self, X, y=None) -> LexiconFeatures:
        self.feature_names_ = self._names()
        return self

    def _names(self) -> list[str]:
        names = [f"lexicon:{c}" for c in CATEGORIES]
        names += ["lexicon:you+abuse", "lexicon:quoted+abuse", "lexicon:quote"]
        return names

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array(self._names(), dtype=object)

    def matches(self, words: list[str]) -> dict[str, list[int]]:
        """Feature name -> indices of the words that triggered it."""
        hits: dict[str, list[int]] = {}
        abusive = ("insult", "slur", "dehumanising", "violence")
        last_you, last_quote = -100, -100
        for i, w in enumerate(words):
            if w in YOU_WORDS:
                last_you = i
            if w == QUOTE_TOKEN:
                last_quote = i
                hits.setdefault("lexicon:quote", []).append(i)
            for cat, vocab in CATEGORIES.items():
                if w in vocab:
                    hits.setdefault(f"lexicon:{cat}", []).append(i)
                    if cat in abusive:
                        if 0 < i - last_you <= self.window:
                            hits.setdefault("lexicon:you+abuse", []).append(i)
                        if 0 < i - last_quote <= self.window:
                            hits.setdefault("lexicon:quoted+abuse", []).append(i)
        return hits

    def transform(self, X) -> sparse.csr_matrix:
        names = self._names()
        col = {n: j for j, n in enumerate(names)}
        rows, cols, vals = [], [], []
        for r, text in enumerate(X):
            for name, idx in self.matches(_WORD_RE.findall(str(text))).items():
                rows.append(r)
                cols.append(col[name])
                vals.append(np.log1p(len(idx)))
        return sparse.csr_matrix((vals, (rows, cols)), shape=(_len(X), len(names)), dtype=np.float32)


_WORD_RE = re.compile(WORD_TOKEN_PATTERN)


def _len(X) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(X)


class LabelwiseClassifier(ClassifierMixin, BaseEstimator):
    """One clone of ``estimator`` per output column, fitted on the rows where it is known.

    Public corpora label only one of our two labels; a missing label (NaN) must not be read
    as 0. Each output column gets its own fitted estimator and, after :meth:`calibrate`, its
    own Platt scaling, so ``predict_proba`` returns calibrated probabilities.

    Parameters
    ----------
    estimator : classifier, optional
        A binary classifier with ``decision_function``; defaults to a class-balanced
        ``LogisticRegression``.

    Attributes
    ----------
    estimators_ : list of fitted estimators, one per output.
    calibration_ : ndarray of shape (n_outputs, 2)
        Slope and intercept applied to each output's decision value before the sigmoid.
    n_outputs_ : int
    classes_ : list of ndarray (one per output), or ndarray for a single 1-D target.
    """

    def __init__(self, estimator=None) -> None:
        self.estimator = estimator

    def _base(self):
        if self.estimator is not None:
            return self.estimator
        return LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)

    def fit(self, X, y, sample_weight=None) -> LabelwiseClassifier:
        if y is None:
            raise ValueError("LabelwiseClassifier requires y to be passed, but the target y is None.")
        X = validate_data(self, X, accept_sparse="csr", reset=True)
        y = np.asarray(y)
        y = y.astype(float) if y.dtype.kind in "biuf" else y.astype(object)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; it was raveled.",
                DataConversionWarning,
                stacklevel=2,
            )
            y = y.ravel()
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        self._single = y.ndim == 1
        Y = y.reshape(-1, 1) if self._single else y
        if Y.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {Y.shape[0]}.")
        self.n_outputs_ = Y.shape[1]
        self.estimators_ = []
        classes = []
        for j in range(self.n_outputs_):
            col = Y[:, j]
            known = ~_isnan(col)
            if not known.any():
                raise ValueError(f"Output {j} has no known labels; drop it or add labelled rows.")
            yj = col[known]
            if yj.dtype == object:
                yj = np.asarray(yj.tolist())
            elif yj.dtype.kind == "f" and np.all(np.mod(yj, 1) == 0):
                yj = yj.astype(int)  # NaN forced floats; labels are integers again
            check_classification_targets(yj)
            est = clone(self._base())
            kwargs = {} if sample_weight is None else {"sample_weight": np.asarray(sample_weight)[known]}
            est.fit(X[known], yj, **kwargs)
            self.estimators_.append(est)
            classes.append(est.classes_)
        self.classes_ = classes[0] if self._single else classes
        self.calibration_ = np.tile([1.0, 0.0], (self.n_outputs_, 1))
        self._calibrated = False
        return self

    def decision_function(self, X) -> np.ndarray:
        """Raw linear score per output, shape (n, n_outputs) (or (n,) for a 1-D target)."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        scores = np.column_stack([est.decision_function(X) for est in self.estimators_])
        if self._single and scores.ndim == 2 and len(np.ravel(self.classes_)) <= 2:
            return scores[:, 0]
        return scores

    def _binary(self) -> bool:
        return all(len(est.classes_) == 2 for est in self.estimators_)

    def _positive_proba(self, X) -> np.ndarray:
        if not self._calibrated:
            return np.column_stack([est.predict_proba(X)[:, -1] for est in self.estimators_])
        scores = np.column_stack([est.decision_function(X) for est in self.estimators_])
        z = scores * self.calibration_[:, 0] + self.calibration_[:, 1]
        return 1.0 / (1.0 + np.exp(-z))

    def predict_proba(self, X):
        """Probabilities: a list with one (n, n_classes) array per output, as MultiOutput does."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        if not self._binary():
            out = [est.predict_proba(X) for est in self.estimators_]
            return out[0] if self._single else out
        pos = self._positive_proba(X)
        out = [np.column_stack([1.0 - pos[:, j], pos[:, j]]) for j in range(self.n_outputs_)]
        return out[0] if self._single else out

    def positive_proba(self, X) -> np.ndarray:
        """Calibrated probability of the positive class, shape (n, n_outputs)."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        return self._positive_proba(X)

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        if self._single:
            return self.estimators_[0].predict(X)
        if not self._binary():
            return np.column_stack([est.predict(X) for est in self.estimators_])
        pos = self._positive_proba(X)
        return np.column_stack(
            [est.classes_[(pos[:, j] >= 0.5).astype(int)] for j, est in enumerate(self.estimators_)]
        )

    def calibrate(self, X, y) -> LabelwiseClassifier:
        """Fit Platt scaling per output on held-out rows (NaN labels are skipped)."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        Y = np.asarray(y, dtype=float).reshape(X.shape[0], -1)
        for j, est in enumerate(self.estimators_):
            known = ~np.isnan(Y[:, j])
            if len(np.unique(Y[known, j])) < 2:
                continue
            s = est.decision_function(X[known]).reshape(-1, 1)
            platt = LogisticRegression(C=1e4).fit(s, Y[known, j])
            self.calibration_[j] = [platt.coef_[0, 0], platt.intercept_[0]]
        self._calibrated = True
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


def _isnan(col: np.ndarray) -> np.ndarray:
    if col.dtype == object:
        return np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in col])
    return np.isnan(col.astype(float))


def make_pipeline(
    *, C: float = 4.0, word_max_features: int = 150_000, char_max_features: int = 200_000
) -> Pipeline:
    """The full scoring pipeline: normalise, extract n-grams, one classifier per label."""
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, solver="liblinear")
    return Pipeline(
        [
            ("normalize", TextNormalizer()),
            ("features", make_features(word_max_features=word_max_features, char_max_features=char_max_features)),
            ("classify", LabelwiseClassifier(clf)),
        ]
    )
