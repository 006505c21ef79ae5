"""Python strings as a pyarrow string array, for the whole-batch text paths.

The batch paths (:mod:`moderation.batchfeatures`, :mod:`moderation.langscreen`,
:func:`moderation.normalize.simple_tokens`) run pyarrow's string kernels over many texts at once.
pyarrow refuses some Python strings (lone surrogates cannot be UTF-8); for those batches the
callers take their per-item Python path, which gives the same result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["string_array"]


def string_array(items: Sequence[str]) -> Any:
    """``items`` as a ``pyarrow.StringArray``, or None when pyarrow cannot hold them."""
    import pyarrow as pa

    try:
        return pa.array(items, type=pa.string())
    except (UnicodeError, ValueError, TypeError):
        return None
