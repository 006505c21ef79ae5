"""The project's own labelled news comments (source ``news_comments``).

Every ``*.csv`` in ``moderation/resources/comments`` (or a folder given explicitly) has the
columns ``text,hostile,conspiratorial,kind,topic,form``; labels are always known (0 or 1).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._base import CorpusFormatError, read_csv

NAME = "news_comments"
LICENCE = "MIT (written for this project)"
COLUMNS = ("text", "hostile", "conspiratorial", "kind", "topic", "form")
#: Folder of the shipped comment files.
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "resources" / "comments"

#: ``kind`` -> the (hostile, conspiratorial) labels it implies.
KIND_LABELS: dict[str, tuple[int, int]] = {
    "clean": (0, 0),
    "hard_negative": (0, 0),
    "hostile": (1, 0),
    "conspiracy": (0, 1),
    "both": (1, 1),
}


def comment_files(folder: str | Path | None = None) -> list[Path]:
    """Return the comment CSV files in ``folder`` (default: the shipped ones), sorted."""
    folder = Path(folder) if folder is not None else DEFAULT_DIR
    if folder.is_file():
        return [folder]
    return sorted(folder.glob("*.csv"))


def read_comments(path: Path) -> pd.DataFrame:
    """Read one comment file and check its columns (raises :class:`CorpusFormatError`)."""
    frame = read_csv(path, COLUMNS)
    extra = [c for c in frame.columns if c not in COLUMNS]
    if extra:
        raise CorpusFormatError(f"{path}: unexpected columns {extra}; expected {list(COLUMNS)}")
    return frame


def validate(frame: pd.DataFrame, path: str | Path = "<comments>") -> list[str]:
    """Return a list of problems: labels outside {0,1}, kind/label mismatch, duplicates, empties.

    Parameters
    ----------
    frame : pandas.DataFrame
        Comments with :data:`COLUMNS`, as strings (as read by :func:`read_comments`).
    path : str or Path
        File name used in the messages.

    Returns
    -------
    list of str
        One message per problem (rows are numbered like a spreadsheet: the header is row 1); empty when valid.
    """
    problems = []
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        where = f"{path}: row {i}"
        if not str(row.text).strip():
            problems.append(f"{where}: empty text")
        labs = (str(row.hostile).strip(), str(row.conspiratorial).strip())
        if any(v not in ("0", "1") for v in labs):
            problems.append(f"{where}: labels must be 0 or 1, got hostile={labs[0]!r} "
                            f"conspiratorial={labs[1]!r}")
            continue
        expected = KIND_LABELS.get(str(row.kind).strip())
        if expected is None:
            problems.append(f"{where}: unknown kind {row.kind!r}; use one of {sorted(KIND_LABELS)}")
        elif tuple(int(v) for v in labs) != expected:
            problems.append(f"{where}: kind {row.kind!r} needs hostile,conspiratorial="
                            f"{expected[0]},{expected[1]}, got {labs[0]},{labs[1]}")
    from moderation.dataset import dedup_key  # local import: dataset imports this module

    keys = frame["text"].map(dedup_key)
    dup = keys.duplicated(keep="first") & keys.astype(bool)
    for i in dup[dup].index:
        first = keys[keys == keys[i]].index[0]
        problems.append(f"{path}: row {i + 2} duplicates row {first + 2} (same normalised text)")
    return problems


def load(folder: str | Path | None = None) -> pd.DataFrame:
    """Load every comment file into a raw frame (plus ``kind``, ``topic``, ``form``).

    Files that fail :func:`validate` raise :class:`CorpusFormatError` listing the problems.
    """
    parts = []
    for path in comment_files(folder):
        frame = read_comments(path)
        problems = validate(frame, path.name)
        if problems:
            shown = "\n  ".join(problems[:20])
            raise CorpusFormatError(
                f"{path}: {len(problems)} invalid row(s); fix them and rebuild:\n  {shown}")
        frame = frame.assign(source_id=[f"{path.stem}:{i + 2}" for i in range(len(frame))])
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=[*COLUMNS, "source_id"])
    frame = pd.concat(parts, ignore_index=True)
    out = pd.DataFrame({
        "text": frame["text"].str.strip(),
        "hostile": pd.array(frame["hostile"].astype(int), dtype="Int8"),
        "conspiratorial": pd.array(frame["conspiratorial"].astype(int), dtype="Int8"),
        "source_id": frame["source_id"],
    })
    for col in ("kind", "topic", "form"):
        out[col] = frame[col].str.strip()
    return out
