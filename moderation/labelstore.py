"""Moderators' decisions on comments: a SQLite label store, exported as a labels CSV.

The review page (``moderation serve``, ``/review``) and the Perspective feedback route
(``comments:suggestscore``) write here; ``moderation train --labels`` reads the export as it is.

>>> from moderation.labelstore import LabelStore
>>> store = LabelStore(":memory:")
>>> store.record("You absolute halfwit", {"hostile": 1, "conspiratorial": 0}, model_version="v1")
2
>>> store.export_csv().splitlines()[0]
'text,hostile,conspiratorial'

The store keeps one row per decision (a label set to 1 or 0 for one comment text), with the
time, the version of the model that showed the comment, where the decision came from
(``review`` or ``suggestscore``) and the comment's id on its page. Nothing is ever updated
or deleted: a correction is a newer row, and the export takes each text's latest decision per
label. The file lives in the per-user data folder (``platformdirs.user_data_dir("moderation")``,
``~/.local/share/moderation/labels.sqlite3`` on Linux) unless ``$MODERATION_LABELS_DB`` or an
explicit path says otherwise.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import threading
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from moderation.features import LABELS

__all__ = ["DB_FILENAME", "LabelStore", "LabelStoreError", "default_store_path"]

#: File name of the store in the per-user data folder.
DB_FILENAME = "labels.sqlite3"
#: Where a decision came from.
SOURCES = ("review", "suggestscore")
#: Longest comment text stored, in characters (the HTTP routes refuse longer ones anyway).
MAX_TEXT_CHARS = 20_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    text TEXT NOT NULL,
    label TEXT NOT NULL,
    value INTEGER NOT NULL CHECK (value IN (0, 1)),
    model_version TEXT,
    source TEXT NOT NULL,
    comment_id TEXT
);
CREATE INDEX IF NOT EXISTS decisions_text_label ON decisions (text, label, id);
"""


class LabelStoreError(ValueError):
    """A decision that cannot be stored; the message says what to send instead."""


def default_store_path() -> Path:
    """The label store's file: ``$MODERATION_LABELS_DB``, else ``labels.sqlite3`` in the
    per-user data folder (``platformdirs.user_data_dir("moderation")``).

    Returns
    -------
    pathlib.Path
        The path (the file and its folder are created on first use).
    """
    env = os.environ.get("MODERATION_LABELS_DB")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("moderation")) / DB_FILENAME


class LabelStore:
    """Decisions on comment labels in one SQLite file.

    Parameters
    ----------
    path : path-like or ":memory:", optional
        The database file; default :func:`default_store_path`. Its folder is created.

    Notes
    -----
    One connection is shared behind a lock, so the store can be used from the threads of an
    HTTP server; SQLite's own locking keeps two processes writing the same file consistent.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        if path is None:
            path = default_store_path()
        self.path = str(path) if str(path) == ":memory:" else Path(path)
        if isinstance(self.path, Path):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LabelStoreError(
                    f"cannot create the label store's folder {self.path.parent} ({exc.strerror}); "
                    "set MODERATION_LABELS_DB to a writable file path"
                ) from None
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> LabelStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- writing
    def record(
        self,
        text: str,
        labels: Mapping[str, Any],
        *,
        model_version: str | None = None,
        source: str = "review",
        comment_id: str | None = None,
    ) -> int:
        """Store one decision per label given for one comment.

        Parameters
        ----------
        text : str
            The comment text, as scored.
        labels : mapping
            ``{label: 1 or 0}`` for labels among ``hostile`` and ``conspiratorial``; True/False
            are accepted too. Labels left out are not decided.
        model_version : str, optional
            Version of the model whose scores the moderator saw.
        source : {"review", "suggestscore"}
            Where the decision came from.
        comment_id : str, optional
            The comment's id on its page, for reference.

        Returns
        -------
        int
            Number of rows stored (one per label).

        Raises
        ------
        LabelStoreError
            Empty or over-long text, an unknown label or a value other than 0/1.
        """
        if not isinstance(text, str) or not text.strip():
            raise LabelStoreError("a decision needs the comment's text; send a non-empty 'text'")
        if len(text) > MAX_TEXT_CHARS:
            raise LabelStoreError(
                f"the comment has {len(text):,} characters; the store keeps at most {MAX_TEXT_CHARS:,}"
            )
        if source not in SOURCES:
            raise LabelStoreError(f"unknown source {source!r}; use one of {', '.join(SOURCES)}")
        rows = []
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        for label, value in labels.items():
            if label not in LABELS:
                raise LabelStoreError(f"unknown label {label!r}; labels are {', '.join(LABELS)}")
            if isinstance(value, bool):
                value = int(value)
            if value not in (0, 1) or isinstance(value, float) and not float(value).is_integer():
                raise LabelStoreError(f"label {label} must be 1 or 0, not {value!r}")
            rows.append((now, text, label, int(value), model_version, source, comment_id))
        if not rows:
            raise LabelStoreError(f"no labels decided; send at least one of {', '.join(LABELS)} as 1 or 0")
        with self._lock, self._db:
            self._db.executemany(
                "INSERT INTO decisions (time, text, label, value, model_version, source, comment_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    # ---------------------------------------------------------------- reading
    def count(self) -> int:
        """Number of decisions stored (rows, one per label decided)."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0])

    def decisions(self) -> list[dict[str, Any]]:
        """Every decision, oldest first: ``id``, ``time``, ``text``, ``label``, ``value``,
        ``model_version``, ``source`` and ``comment_id``."""
        with self._lock:
            cursor = self._db.execute(
                "SELECT id, time, text, label, value, model_version, source, comment_id "
                "FROM decisions ORDER BY id"
            )
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def latest(self) -> list[dict[str, Any]]:
        """One row per comment text: its latest decision per label (None where undecided),
        in the order the texts were first decided."""
        table: dict[str, dict[str, Any]] = {}
        for row in self.decisions():
            entry = table.setdefault(row["text"], {"text": row["text"], **dict.fromkeys(LABELS)})
            entry[row["label"]] = row["value"]
        return list(table.values())

    def export_csv(self, path: str | os.PathLike[str] | None = None) -> str:
        """The labels file ``moderation train --labels`` reads: ``text`` plus one column per
        label (1, 0, or empty where that label was never decided), each text's latest decision.

        Parameters
        ----------
        path : path-like, optional
            Also write the CSV there (UTF-8).

        Returns
        -------
        str
            The CSV text.
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["text", *LABELS])
        for row in self.latest():
            writer.writerow([row["text"], *("" if row[label] is None else row[label] for label in LABELS)])
        text = buffer.getvalue()
        if path is not None:
            Path(path).write_text(text, encoding="utf-8", newline="")
        return text
