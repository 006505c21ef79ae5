"""Module-level convenience functions: score texts or a page with the default model.

The default model is loaded on first use and cached, so repeated calls to :func:`score` cost
only the scoring. The cache is keyed by the model's folder, so pointing ``MODERATION_MODEL`` at
another model (or changing ``models/DEFAULT``) takes effect on the next call.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from moderation.model import Model

__all__ = ["clear_cache", "default_model", "reasons_for", "score", "score_page"]

_lock = threading.Lock()
_cache: dict[Path, Model] = {}


def default_model() -> Model:
    """The default model, loaded once per folder and cached.

    Returns
    -------
    Model
        The model at :func:`moderation.model.default_model_path` (``$MODERATION_MODEL``,
        else ``models/DEFAULT``'s target, else ``models/default``).
    """
    from moderation.model import default_model_path, load_model

    folder = default_model_path().resolve()
    with _lock:
        model = _cache.get(folder)
        if model is None:
            model = load_model(folder)
            _cache.clear()  # keep one model in memory, not one per folder ever used
            _cache[folder] = model
        return model


def clear_cache() -> None:
    """Forget the cached default model (the next call loads it again)."""
    with _lock:
        _cache.clear()


def score(texts: Iterable[str | None], *, model: Model | None = None) -> pd.DataFrame:
    """Score comments with the default model.

    Parameters
    ----------
    texts : iterable of str
        Comments; ``None``/NaN entries get NaN scores and False flags (see :meth:`Model.score`).
    model : Model, optional
        Use this model instead of the cached default.

    Returns
    -------
    pandas.DataFrame
        One row per input, in order: ``hostile_score``, ``conspiratorial_score``,
        ``hostile_flag``, ``conspiratorial_flag`` and ``language`` (the detected ISO 639-1
        code). Comments in a language the model was not trained for (it is English-only) get
        NaN scores and False flags.

    Examples
    --------
    >>> import moderation
    >>> moderation.score(["You absolute halfwit", "The bus lanes are a mess"])  # doctest: +SKIP
    """
    if isinstance(texts, str):
        raise TypeError(
            "score() takes a list of comments, not one str; wrap it: score([text])."
        )
    return (model or default_model()).score(texts)


def score_page(
    source: str | bytes | os.PathLike[str],
    *,
    model: Model | None = None,
    explain: bool = False,
) -> pd.DataFrame:
    """Parse a page's reader comments and score them.

    Parameters
    ----------
    source : str, bytes or path-like
        A saved page (HTML or text dump): a path, the page text, or its raw bytes
        (see :func:`moderation.parse_comments`).
    model : Model, optional
        Use this model instead of the cached default.
    explain : bool
        Add a ``reasons`` column: for each flagged label, the words that drove its score.

    Returns
    -------
    pandas.DataFrame
        One row per comment in page order, with the parser's columns (``id``, ``author``,
        ``text``, ``parent_id``, ``position``, ``published``, ``has_image``, ``source``)
        followed by the four score columns and ``language`` (comments in a language the model
        does not support get NaN scores and no flags). Empty (with those columns) when the
        page has no comments.
    """
    import pandas as pd

    from moderation.model import SCORE_COLUMNS
    from moderation.parse import COLUMNS, parse_comments

    comments = parse_comments(source)
    table = pd.DataFrame([c.to_dict() for c in comments], columns=list(COLUMNS))
    scorer = model or default_model()
    scores = scorer.score(table["text"].tolist())
    out = pd.concat([table, scores.reset_index(drop=True)], axis=1)
    out = out[list(COLUMNS) + list(SCORE_COLUMNS)]
    if explain:
        out["reasons"] = [
            json.dumps(reasons_for(scorer, t, _flags(row)), ensure_ascii=False)
            for t, row in zip(out["text"], out.itertuples(index=False), strict=True)
        ]
    return out


def _flags(row: Any) -> dict[str, bool]:
    return {"hostile": bool(row.hostile_flag), "conspiratorial": bool(row.conspiratorial_flag)}


def reasons_for(model: Model, text: str, flags: dict[str, bool], *, top: int = 3) -> dict[str, list[str]]:
    """The words behind each *flagged* label of one comment (unflagged labels are left out).

    Parameters
    ----------
    model : Model
        The model that scored ``text``.
    text : str
        The comment.
    flags : dict
        ``{label: flagged}``, e.g. ``{"hostile": True, "conspiratorial": False}``.
    top : int
        Words per label.

    Returns
    -------
    dict
        ``{label: [word, ...]}`` for the flagged labels only; empty when nothing is flagged,
        which also skips the (slower) explanation.
    """
    wanted: Sequence[str] = [label for label, flagged in flags.items() if flagged]
    if not wanted:
        return {}
    found = model.reasons(text, top=top)
    return {label: found.get(label, []) for label in wanted}
