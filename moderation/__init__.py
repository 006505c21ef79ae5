"""moderation: score reader comments for HOSTILE and CONSPIRATORIAL content.

The public API is small: parse pages into comments, load a model, score texts or whole files
(:func:`score_file`), retrain.

>>> import moderation
>>> moderation.score(["You absolute halfwit", "The bus lanes are a mess"])  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> module that defines it. Imported lazily so the CLI starts fast.
_EXPORTS = {
    "Comment": "moderation.parse",
    "parse_comments": "moderation.parse",
    "Model": "moderation.model",
    "load_model": "moderation.model",
    "score": "moderation.api",
    "score_page": "moderation.api",
    "score_file": "moderation.batch",
    "ScoreSummary": "moderation.batch",
    "train": "moderation.retrain",
}

__all__ = [
    "Comment",
    "Model",
    "ScoreSummary",
    "__version__",
    "load_model",
    "parse_comments",
    "score",
    "score_file",
    "score_page",
    "train",
]

if TYPE_CHECKING:  # pragma: no cover
    from moderation.api import score, score_page
    from moderation.batch import ScoreSummary, score_file
    from moderation.model import Model, load_model
    from moderation.parse import Comment, parse_comments
    from moderation.retrain import train


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'moderation' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
