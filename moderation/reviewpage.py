"""What the review page shows: a thread of comments with scores, flags and highlighted words.

The page (``moderation serve``, ``/review``) sends what the moderator pasted or uploaded; this
module reads it into comments (:func:`read_comments`: a saved page or text dump through the
parser, or a CSV/JSONL of comments) and scores and explains them (:func:`review_thread`) with
the public API, so the page shows exactly what ``moderation score`` and ``explain()`` give.

>>> from moderation.reviewpage import read_comments
>>> comments, notes = read_comments(b"text,author\\nYou utter halfwit,ann\\n", "c.csv")
>>> comments[0]["text"], comments[0]["author"]
('You utter halfwit', 'ann')
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

from moderation.features import LABELS

if TYPE_CHECKING:  # pragma: no cover
    from moderation.model import Model

__all__ = [
    "MAX_HIGHLIGHT_CHARS",
    "TABLE_SUFFIXES",
    "ReviewInputError",
    "read_comments",
    "review_thread",
]

#: File endings read as a table of comments (one per row, a ``text`` column).
TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".parquet", ".pq")
#: Characters of comment text one thread may have explained for highlights (flagged comments
#: first, then the ones nearest a threshold); comments past it are shown without highlights.
MAX_HIGHLIGHT_CHARS = 150_000
#: Words highlighted per label and comment.
HIGHLIGHTS_PER_LABEL = 5
#: A word or phrase is highlighted only when it pushes at least this share of the top one's weight.
HIGHLIGHT_FLOOR = 0.25
#: A comment is "unsure" for a label when its score is within this many log-odds of the threshold.
UNSURE_LOGIT = 1.0
#: Reply depth shown at most (deeper replies are drawn at this indent).
MAX_DEPTH = 8


class ReviewInputError(ValueError):
    """Input the review page cannot read; the message says how to fix it."""


# ------------------------------------------------------------------------- reading
def read_comments(data: bytes | str, filename: str | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Read pasted text or an uploaded file into comments.

    Parameters
    ----------
    data : bytes or str
        The file's bytes or the pasted text.
    filename : str, optional
        The uploaded file's name; one ending in ``.csv``, ``.tsv``, ``.jsonl``, ``.ndjson`` or
        ``.parquet`` is read as a table, as ``moderation score`` reads it: the comment in the
        first of the columns ``text``, ``comment``, ``body``, ``message``, ``content``, and
        ``id``, ``author`` and ``parent_id`` used when present. Anything else (or no name) is a saved page: HTML or a plain-text dump,
        read by :func:`moderation.parse_comments`. Pasted text in which the parser finds no
        comment section is read as one comment per paragraph (blank-line separated).

    Returns
    -------
    comments : list of dict
        ``id``, ``author``, ``text``, ``parent_id`` per comment, in page order.
    notes : list of str
        What the parser noticed about the page (no comments found, and the like).

    Raises
    ------
    ReviewInputError
        A table without a text column, a malformed table, or a binary file.
    """
    name = (filename or "").lower()
    if name.endswith(TABLE_SUFFIXES):
        return _read_table(data, name), []
    return _read_page(data, pasted=filename is None)


def _read_table(data: bytes | str, name: str) -> list[dict[str, Any]]:
    """The rows of an uploaded table, read as ``moderation score`` and ``train`` read them:
    a CSV's encoding and separator from :func:`moderation.io.sniff_csv`, JSONL and Parquet by
    :func:`moderation.io.read_table`, the text column by :func:`moderation.io.find_text_column`."""
    import tempfile
    from pathlib import Path

    import pandas as pd

    from moderation.io import TableError, find_text_column, read_table, sniff_csv

    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    suffix = next(s for s in TABLE_SUFFIXES if name.endswith(s))
    with tempfile.TemporaryDirectory(prefix="moderation-review-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(raw)
        try:
            if suffix in (".csv", ".tsv"):  # encoding and separator found as score and train do
                encoding, sep = sniff_csv(path)
                frame = pd.read_csv(path, sep=sep, encoding=encoding, encoding_errors="replace",
                                    dtype=str, keep_default_na=False)
            else:
                frame = read_table(path, dtype=str)
            column = find_text_column(list(frame.columns), None, name)
        except TableError as exc:
            raise ReviewInputError(str(exc).replace("--text-column (text_column= in Python; ",
                                                    "a header (")) from None
        except (ValueError, OSError) as exc:
            message = str(exc).replace(str(path), name).splitlines()[0][:300]
            raise ReviewInputError(f"{message}; send CSV with a header row, or JSON Lines with "
                                   "one object per comment") from None
    out = []
    for i, row in enumerate(frame.to_dict("records")):
        value = row.get(column)
        if not isinstance(value, str) or not value.strip():
            continue
        out.append({
            "id": _cell(row.get("id")) or str(i + 1),
            "author": _cell(row.get("author")),
            "text": value,
            "parent_id": _cell(row.get("parent_id")),
        })
    return out


def _cell(value: Any) -> str | None:
    """A table cell as text, None when empty or missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _read_page(data: bytes | str, *, pasted: bool) -> tuple[list[dict[str, Any]], list[str]]:
    from moderation.parse import BinaryFileError, ParseWarning, detect_format, parse_comments

    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ParseWarning)
        try:
            # bytes, never str: a str that looks like a path would be read from this server's disk
            comments = parse_comments(raw)
        except BinaryFileError as exc:
            raise ReviewInputError(str(exc).replace("<bytes>", "the file")) from None
    notes = [str(w.message).replace("<bytes>", "the page") for w in caught
             if issubclass(w.category, ParseWarning)]
    out = [{"id": c.id, "author": c.author, "text": c.text, "parent_id": c.parent_id} for c in comments]
    if not out and pasted:
        text = raw.decode("utf-8", errors="replace")
        if detect_format(text) == "text":
            paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
            out = [{"id": str(i + 1), "author": None, "text": p, "parent_id": None}
                   for i, p in enumerate(paragraphs)]
            notes = [f"no comment section found: each of the {len(out)} paragraph(s) is read as one comment"]
    return out, notes


# ------------------------------------------------------------------------- scoring
def _depths(comments: list[dict[str, Any]]) -> list[int]:
    """Reply depth of each comment (0 for a top-level one) from its ``parent_id`` chain."""
    index = {c["id"]: i for i, c in enumerate(comments)}
    depths: list[int] = []
    for c in comments:
        depth, seen, parent = 0, {c["id"]}, c.get("parent_id")
        while parent in index and parent not in seen and depth < MAX_DEPTH:
            seen.add(parent)
            depth += 1
            parent = comments[index[parent]].get("parent_id")
        depths.append(depth)
    return depths


def review_thread(comments: list[dict[str, Any]], model: Model, *,
                  highlight_chars: int = MAX_HIGHLIGHT_CHARS) -> dict[str, Any]:
    """Score a thread and find the words to highlight, for the review page.

    Parameters
    ----------
    comments : list of dict
        From :func:`read_comments` (``id``, ``author``, ``text``, ``parent_id``).
    model : Model
        The model that scores them.
    highlight_chars : int
        Characters of text explained for highlights (flagged comments first, then those nearest
        a threshold); see :data:`MAX_HIGHLIGHT_CHARS`.

    Returns
    -------
    dict
        ``model`` (version name), ``thresholds`` (per label), ``labels`` and ``comments``: one
        dict per comment in thread order with ``id``, ``author``, ``parent_id``, ``depth``,
        ``text``, ``language``, ``scores`` and ``flags`` per label (scores null for a language
        the model does not support), ``uncertainty`` (log-odds distance of the nearest score
        to its threshold: smaller is less sure, as in ``moderation review``), ``unsure`` (the
        labels within :data:`UNSURE_LOGIT` of their threshold) and ``highlights``
        (``{label: [[start, end, weight], ...]}``, character offsets into ``text`` from
        :meth:`moderation.model.Model.explain`), plus ``warnings``.
    """
    from moderation.api import score
    from moderation.review import logit_distance

    texts = [c["text"] for c in comments]
    frame = score(texts, model=model)
    depths = _depths(comments)
    out: list[dict[str, Any]] = []
    for c, depth, row in zip(comments, depths, frame.to_dict("records"), strict=True):
        scores = {label: _finite_or_none(row[f"{label}_score"]) for label in LABELS}
        distance = {label: logit_distance(s, model.thresholds[label])
                    for label, s in scores.items() if s is not None}
        out.append({
            "id": str(c["id"]),
            "author": c.get("author"),
            "parent_id": c.get("parent_id"),
            "depth": depth,
            "text": c["text"],
            "language": row.get("language"),
            "scores": scores,
            "flags": {label: bool(row[f"{label}_flag"]) for label in LABELS},
            "uncertainty": round(min(distance.values()), 4) if distance else None,
            "unsure": [label for label, d in distance.items() if d <= UNSURE_LOGIT],
            "highlights": {},
        })
    skipped = _highlight(out, model, highlight_chars)
    notes = []
    if skipped:
        notes.append(f"{skipped} comment(s) shown without highlighted words: one thread explains at "
                     f"most {highlight_chars:,} characters; load fewer comments to see them all")
    return {"model": model.version, "thresholds": dict(model.thresholds), "labels": list(LABELS),
            "comments": out, "warnings": notes}


def _finite_or_none(value: Any) -> float | None:
    value = float(value)
    return round(value, 4) if math.isfinite(value) else None


def _highlight(comments: list[dict[str, Any]], model: Model, budget: int) -> int:
    """Fill ``highlights`` of flagged, then unsure, comments within ``budget`` characters;
    returns how many such comments got none."""
    from moderation.model import MAX_EXPLAIN_CHARS

    wanted = [c for c in comments if any(c["flags"].values())]
    wanted += [c for c in sorted(comments, key=lambda c: c["uncertainty"] or 0.0)
               if c["unsure"] and not any(c["flags"].values())]
    skipped = 0
    for c in wanted:
        cost = max(1, min(len(c["text"]), MAX_EXPLAIN_CHARS))
        if cost > budget:
            skipped += 1
            continue
        budget -= cost
        labels = [label for label in LABELS if c["flags"][label] or label in c["unsure"]]
        explained = model.explain(c["text"], top=HIGHLIGHTS_PER_LABEL)
        highlights = {}
        for label in labels:
            items = explained.get(label, [])
            # the words that matter: a phrase pushing a fifth as much as the top word is noise
            floor = HIGHLIGHT_FLOOR * max((item["weight"] for item in items), default=0.0)
            highlights[label] = [[s, e, round(item["weight"], 3)] for item in items
                                 if item["weight"] >= floor for s, e in item["spans"]]
        c["highlights"] = highlights
    return skipped
