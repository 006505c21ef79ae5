"""Pick the comments a moderator should label next.

The model learns most from comments it is least sure of: those scoring near a label's
threshold. Near-copies teach little twice, so the selection skips texts too similar to one
already picked. The output is a labels file with empty label columns.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from moderation.features import LABELS
from moderation.model import Model

__all__ = ["logit_distance", "select_for_review"]

_WORD = re.compile(r"\w+")


def _shingles(text: str) -> frozenset[str]:
    words = _WORD.findall(text.casefold())
    if len(words) < 3:
        return frozenset(words)
    return frozenset(" ".join(words[i : i + 3]) for i in range(len(words) - 2))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def logit_distance(score: float | np.ndarray, threshold: float | np.ndarray) -> float | np.ndarray:
    """How sure the model is about a label: the distance between a score and its threshold
    in log-odds (0 at the threshold; smaller is less sure).

    Parameters
    ----------
    score, threshold : float or array
        Probabilities (broadcast together).

    Returns
    -------
    float or numpy.ndarray
        ``|logit(score) - logit(threshold)|``, a float for float inputs.
    """
    distance = np.abs(_logit(np.asarray(score, dtype=float)) - _logit(np.asarray(threshold, dtype=float)))
    return float(distance) if distance.ndim == 0 else distance


def select_for_review(
    texts: pd.Series | list[str], model: Model, *, n: int = 200, max_similarity: float = 0.5
) -> pd.DataFrame:
    """Choose up to ``n`` varied comments whose scores sit nearest the model's thresholds.

    Parameters
    ----------
    texts : sequence of str
        Candidate comments (missing or empty ones are ignored).
    model : Model
        The model whose uncertainty guides the choice.
    n : int
        How many to pick.
    max_similarity : float
        Skip a comment whose word-trigram Jaccard similarity to one already picked exceeds this.

    Returns
    -------
    pandas.DataFrame
        ``text``, empty ``hostile`` and ``conspiratorial`` columns, the current scores and
        ``uncertainty`` (distance to the nearest threshold in log-odds; smaller is less sure),
        indexed like the input rows they came from.
    """
    series = pd.Series(texts) if not isinstance(texts, pd.Series) else texts
    series = series[series.notna()].astype(str)
    series = series[series.str.strip() != ""]
    if series.empty or n < 1:
        return pd.DataFrame(columns=["text", *LABELS, "hostile_score", "conspiratorial_score", "uncertainty"])
    scores = model.predict_proba(series.tolist())
    thr = np.array([model.thresholds[label] for label in LABELS])
    distance = logit_distance(scores, thr).min(axis=1)
    order = np.argsort(distance, kind="stable")
    picked: list[int] = []
    seen: list[frozenset[str]] = []
    for i in order:
        sh = _shingles(series.iloc[i])
        if any(sh and s and len(sh & s) / len(sh | s) > max_similarity for s in seen):
            continue
        picked.append(int(i))
        seen.append(sh)
        if len(picked) >= n:
            break
    out = pd.DataFrame(
        {
            "text": series.iloc[picked].to_numpy(),
            "hostile": "",
            "conspiratorial": "",
            "hostile_score": scores[picked, 0].round(4),
            "conspiratorial_score": scores[picked, 1].round(4),
            "uncertainty": distance[picked].round(4),
        },
        index=series.index[picked],
    )
    return out
