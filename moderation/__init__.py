"""moderation: score reader comments for HOSTILE and CONSPIRATORIAL content.

The public API is small: parse pages into comments, load a model, score texts.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
