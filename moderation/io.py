"""Table input and output shared by the commands: CSV, TSV, JSONL and Parquet by file extension.

Writes go to a temporary file in the target folder that is renamed over the target at the end,
so an interrupted or failed write never leaves a half-written table behind.
"""

from __future__ import annotations

import io
import json
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["READ_FORMATS", "WRITE_FORMATS", "read_table", "table_format", "write_table"]

#: Extension -> format name.
WRITE_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
READ_FORMATS = dict(WRITE_FORMATS)


def table_format(path: str | os.PathLike[str], formats: dict[str, str] = WRITE_FORMATS) -> str:
    """Format name for a table path, from its extension (case-insensitive).

    Raises
    ------
    ValueError
        For an unsupported extension, listing the supported ones.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in formats:
        known = ", ".join(sorted(formats))
        raise ValueError(f"{path}: unsupported table extension {suffix or '(none)'!r}; use one of {known}")
    return formats[suffix]


def _json_default(value: Any) -> Any:
    """Make numpy and pandas scalars JSON-serialisable."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    raise TypeError(f"cannot write a {type(value).__name__} to JSONL")


def _clean(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _write_jsonl(df: pd.DataFrame, handle: io.TextIOBase) -> None:
    cols = [str(c) for c in df.columns]
    for row in df.itertuples(index=False, name=None):
        record = {c: _clean(v) for c, v in zip(cols, row, strict=True)}
        handle.write(json.dumps(record, ensure_ascii=False, default=_json_default))
        handle.write("\n")


def write_table(df: pd.DataFrame, path: str | os.PathLike[str] | None) -> None:
    """Write a table, choosing the format by the extension of ``path``.

    Parameters
    ----------
    df : pandas.DataFrame
        The table; its index is not written. Missing values become empty CSV cells, JSON nulls
        and Parquet nulls.
    path : str, path-like or None
        ``.csv``, ``.tsv``, ``.jsonl``/``.ndjson`` or ``.parquet``/``.pq``. None or ``"-"``
        writes CSV to standard output. Missing parent folders are created.

    Raises
    ------
    ValueError
        For an unsupported extension.
    OSError
        When the folder cannot be written; the target is then left as it was.
    """
    if path is None or str(path) == "-":
        df.to_csv(sys.stdout, index=False, lineterminator="\n")
        sys.stdout.flush()
        return
    target = Path(path)
    fmt = table_format(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        if fmt == "parquet":
            os.close(fd)
            df.to_parquet(tmp, index=False)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                if fmt == "jsonl":
                    _write_jsonl(df, handle)
                else:
                    sep = "\t" if fmt == "tsv" else ","
                    df.to_csv(handle, index=False, sep=sep, lineterminator="\n")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_table(path: str | os.PathLike[str], *, dtype: Any = None) -> pd.DataFrame:
    """Read a table written by :func:`write_table` or by hand.

    Parameters
    ----------
    path : str or path-like
        ``.csv``, ``.tsv``, ``.jsonl``/``.ndjson`` or ``.parquet``/``.pq``; ``"-"`` reads CSV from
        standard input.
    dtype : optional
        Passed to pandas for CSV/TSV/JSONL (e.g. ``str`` to keep ids like ``"007"`` as text).

    Returns
    -------
    pandas.DataFrame
        Only empty cells are missing values: texts such as ``"NA"`` or ``"null"`` stay strings.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValueError
        For an unsupported extension or a file that cannot be parsed as that format.
    """
    csv_opts: dict[str, Any] = {"keep_default_na": False, "na_values": [""], "dtype": dtype}
    if str(path) == "-":
        return pd.read_csv(sys.stdin, **csv_opts)
    p = Path(path)
    fmt = table_format(p, READ_FORMATS)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such file; check the path")
    try:
        if fmt == "parquet":
            return pd.read_parquet(p)
        if fmt == "jsonl":
            if p.stat().st_size == 0:
                return pd.DataFrame()
            return pd.read_json(p, lines=True, dtype=dtype if dtype is not None else False, encoding="utf-8")
        sep = "\t" if fmt == "tsv" else ","
        return pd.read_csv(p, sep=sep, encoding="utf-8-sig", **csv_opts)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"{p}: cannot read as {fmt.upper()} ({exc}); check the file's format") from exc
