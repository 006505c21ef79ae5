"""The ``Comment`` record, the ``ParseWarning`` category and small shared helpers."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

#: Columns of the table ``moderation parse`` writes, in order.
COLUMNS = ("id", "author", "text", "parent_id", "position", "published", "has_image", "source")


class ParseWarning(UserWarning):
    """Something about a page the caller should know: no comment section, a fallback decoding,
    comments loaded by script. The CLI prints these on stderr."""


@dataclass(frozen=True, slots=True)
class Comment:
    """One reader comment as the page shows it.

    Attributes
    ----------
    id : str
        The page's own comment id when it has one (``"1188851"`` for ``#comment-1188851``),
        else a deterministic id built from the page content and the position.
    author : str or None
        Display name, or None when the page shows none.
    text : str
        Comment text with whitespace collapsed to single spaces and widget chrome removed.
    parent_id : str or None
        Id of the comment this one replies to, where the page shows threading.
    position : int
        1-based order of the comment on the page.
    published : str or None
        Publication date as the page gives it (machine-readable attribute when present).
    has_image : bool
        The comment embeds an image (its alt text is not part of ``text``).
    source : str
        Path of the page, or ``"<text>"`` / ``"<bytes>"`` for in-memory input.
    """

    id: str
    author: str | None
    text: str
    parent_id: str | None
    position: int
    published: str | None = None
    has_image: bool = False
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the comment as a plain dict with keys in :data:`COLUMNS` order."""
        return asdict(self)


def normalise_ws(text: str) -> str:
    """Collapse every run of whitespace (including newlines and NBSP) to one space and strip."""
    return " ".join(text.replace("\u200b", "").split())


def content_key(data: str) -> str:
    """Short stable digest of a page's content, the stem of generated comment ids."""
    return hashlib.sha1(data.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def generated_id(key: str, position: int) -> str:
    """Deterministic id for a comment whose page shows no id of its own."""
    return f"c{key}-{position}"
