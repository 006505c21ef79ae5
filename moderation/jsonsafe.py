"""Parsing JSON from untrusted inputs without crashing on deep nesting.

Python's ``json`` parser, ``repr`` and most code that walks a parsed value recurse once per
level of nesting, so a JSONL line, a JSON-LD block or a request body made of 100,000 nested
``[`` would raise ``RecursionError`` (a traceback, or a 500 from the service). Every JSON value
read from an input goes through :func:`loads_bounded`, which refuses such values with an
ordinary ``ValueError`` naming the limit.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_JSON_DEPTH", "JSONDepthError", "loads_bounded"]

#: Deepest nesting of arrays and objects accepted in one JSON value read from an input.
MAX_JSON_DEPTH = 100


class JSONDepthError(ValueError):
    """A JSON value is nested deeper than :data:`MAX_JSON_DEPTH`."""


def loads_bounded(text: str | bytes, max_depth: int = MAX_JSON_DEPTH, **kwargs: Any) -> Any:
    """``json.loads`` that refuses values nested deeper than ``max_depth`` levels.

    Parameters
    ----------
    text : str or bytes
        One JSON document.
    max_depth : int
        Most levels of nested arrays and objects.
    **kwargs
        Passed to :func:`json.loads` (e.g. ``object_pairs_hook``).

    Returns
    -------
    object
        The parsed value.

    Raises
    ------
    json.JSONDecodeError
        For invalid JSON.
    JSONDepthError
        For a value nested deeper than ``max_depth`` (never a ``RecursionError``).
    """
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise JSONDepthError(f"nested deeper than {max_depth} levels") from None
    stack = [(value, 1)]
    while stack:  # iterative: the check itself must not recurse
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            raise JSONDepthError(f"nested deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return value
