"""NB-LR, the CONSPIRATORIAL label's classifier: log-count-ratio scaling, then logistic regression."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from moderation.features import (
    BlendedLogisticRegression,
    LabelwiseClassifier,
    NBLogisticRegression,
    make_pipeline,
)


def _toy():
    rng = np.random.default_rng(0)
    X = rng.random((200, 6)) * (rng.random((200, 6)) < 0.4)
    y = (X[:, 0] + 0.2 * rng.random(200) > 0.3).astype(int)
    X[:, 5] = 0.5  # present everywhere: no evidence for either class
    return sparse.csr_matrix(X), y


def test_log_count_ratio_points_at_the_class_a_feature_belongs_to() -> None:
    X, y = _toy()
    model = NBLogisticRegression(alpha=0.1).fit(X, y)
    assert model.r_[0] > 0.5  # feature 0 drives the positive class
    assert abs(model.r_[5]) < abs(model.r_[0]) / 5


def test_it_is_a_logistic_regression_on_scaled_features() -> None:
    X, y = _toy()
    model = NBLogisticRegression(alpha=0.1, C=2.0).fit(X, y)
    plain = LogisticRegression(C=2.0, solver="liblinear", max_iter=2000).fit(X.multiply(model.r_).tocsr(), y)
    np.testing.assert_allclose(model.decision_function(X), plain.decision_function(X.multiply(model.r_).tocsr()))
    np.testing.assert_allclose(model.effective_coef_, plain.coef_.ravel() * model.r_)
    assert set(model.predict(X)) <= {0, 1}


def test_needs_two_classes() -> None:
    X, _ = _toy()
    with pytest.raises(ValueError, match="two classes"):
        NBLogisticRegression().fit(X, np.ones(X.shape[0]))


def test_blend_averages_the_two_decision_values() -> None:
    X, y = _toy()
    blend = BlendedLogisticRegression(C=2.0, alpha=0.1, weight=0.25).fit(X, y)
    expected = 0.75 * blend.lr_.decision_function(X) + 0.25 * blend.nblr_.decision_function(X)
    np.testing.assert_allclose(blend.decision_function(X), expected)
    np.testing.assert_allclose(blend.effective_coef_ @ X.T.toarray() + 0.75 * blend.lr_.intercept_[0]
                               + 0.25 * blend.nblr_.intercept_[0], expected)
    assert np.allclose(blend.predict_proba(X).sum(1), 1.0)


def test_pipeline_blends_for_conspiratorial_only() -> None:
    clf = make_pipeline().named_steps["classify"]
    assert isinstance(clf, LabelwiseClassifier)
    hostile, conspiratorial = clf.output_estimators
    assert type(hostile) is LogisticRegression
    assert isinstance(conspiratorial, BlendedLogisticRegression)
    assert isinstance(make_pipeline(conspiratorial_model="nblr").named_steps["classify"].output_estimators[1],
                      NBLogisticRegression)
    assert isinstance(make_pipeline(conspiratorial_model="lr").named_steps["classify"].output_estimators[1],
                      LogisticRegression)
    with pytest.raises(ValueError, match="blend"):
        make_pipeline(conspiratorial_model="svm")


def test_effective_weights_are_computed_once_and_follow_a_refit() -> None:
    X, y = _toy()
    for est in (NBLogisticRegression(alpha=0.1, C=1.0), BlendedLogisticRegression(C=1.0)):
        est.fit(X, y)
        first = est.effective_coef_
        assert est.effective_coef_ is first  # cached: one comment at a time must not rebuild it
        before = est.decision_function(X)
        est.fit(X, 1 - y)  # new fitted arrays: the cache must not answer for the old model
        assert est.effective_coef_ is not first
        assert np.corrcoef(est.decision_function(X), before)[0, 1] < -0.9  # the flipped labels' model
        assert "_effective" not in est.__getstate__()  # never written into a model file
