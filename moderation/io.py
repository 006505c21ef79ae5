"""Table input and output shared by the commands: CSV, TSV, JSONL and Parquet by file extension.

Writes go to a temporary file in the target folder that is renamed over the target at the end,
so an interrupted or failed write never leaves a half-written table behind.
"""

from __future__ import annotations

import datetime
import decimal
import io
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from moderation.atomic import temp_file_beside

__all__ = [
    "READ_FORMATS",
    "WRITE_FORMATS",
    "arrow_to_pandas",
    "csv_delimiter",
    "detect_encoding",
    "sniff_csv",
    "frame_from_records",
    "read_table",
    "table_format",
    "write_table",
]

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


#: Encoding of a text file that is not valid UTF-8: Windows-1252, what spreadsheets on Windows
#: save (undefined bytes read as U+FFFD).
FALLBACK_ENCODING = "cp1252"


def detect_encoding(path: str | os.PathLike[str]) -> str:
    """``"utf-8-sig"`` when the whole file is valid UTF-8 (a BOM is dropped), else
    :data:`FALLBACK_ENCODING`. Read in blocks, so a large file costs one quick pass; ``score``
    and ``train --labels`` read CSV/TSV files this same way."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return FALLBACK_ENCODING
    return "utf-8-sig"


def csv_delimiter(first_line: str, suffix: str) -> str:
    """The separator of a CSV/TSV file from its first non-blank line: a tab for ``.tsv``; for
    ``.csv`` a comma, or a semicolon when the line has semicolons and no comma (spreadsheets in
    some locales save CSV with semicolons)."""
    if suffix.lower() == ".tsv":
        return "\t"
    return ";" if "," not in first_line and ";" in first_line else ","


def sniff_csv(path: str | os.PathLike[str]) -> tuple[str, str]:
    """(encoding, separator) of a CSV/TSV file (:func:`detect_encoding`, :func:`csv_delimiter`)."""
    encoding = detect_encoding(path)
    first = ""
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        for line in fh:
            if line.strip():
                first = line.lstrip()
                break
    return encoding, csv_delimiter(first.partition("\n")[0], Path(path).suffix)


def _json_default(value: Any) -> Any:
    """Make numpy and pandas scalars, dates and arrays JSON-serialisable."""
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()  # pd.Timestamp too
    if isinstance(value, (datetime.timedelta, decimal.Decimal)):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="replace")
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _clean(value.tolist())
    if hasattr(value, "item"):
        return _clean(value.item())
    raise TypeError(f"cannot write a {type(value).__name__} to JSONL")


def _clean(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)) and math.isnan(value):
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
    fd, tmp = temp_file_beside(target)  # locked while open; stale ones of this target removed
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            if fmt == "parquet":
                df.to_parquet(tmp, index=False)
            elif fmt == "jsonl":
                _write_jsonl(df, handle)
            else:
                sep = "\t" if fmt == "tsv" else ","
                df.to_csv(handle, index=False, sep=sep, lineterminator="\n")
            handle.flush()
            os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_INT64 = (-(2**63), 2**63 - 1)
_EXACT_FLOAT = 2**53


def frame_from_records(records: list[dict[str, Any]]) -> pd.DataFrame:
    """A table of JSON records whose values come through unchanged.

    pandas turns an integer column with a missing value into floats, so an id such as
    9007199254740993 would come back as 9007199254740992.0 and no longer join to its comment.
    Here such a column becomes a nullable integer column (``Int64``), or keeps the Python
    integers themselves (``object``) when they do not fit in 64 bits; other columns are
    pandas' usual types.

    Parameters
    ----------
    records : list of dict
        Parsed JSON objects, one per row.

    Returns
    -------
    pandas.DataFrame
    """
    df = pd.DataFrame(records, index=pd.RangeIndex(len(records)))  # an empty object is a row too
    for col in df.columns:
        if df[col].dtype.kind not in "fiu":
            continue
        values = [r.get(col) for r in records]
        present = [v for v in values if v is not None]
        ints = [v for v in present if type(v) is int]
        if ints and len(ints) == len(present) and all(_INT64[0] <= v <= _INT64[1] for v in ints):
            if df[col].dtype.kind == "f":
                df[col] = pd.array(values, dtype="Int64")
        elif any(abs(v) > _EXACT_FLOAT for v in ints):
            # integers a float would round, beside floats or beyond int64: keep the values
            df[col] = pd.Series(values, index=df.index, dtype=object)
    return df


def _arrow_types(arrow_type: Any) -> Any:
    """pandas dtype for an Arrow type when it must change to keep values exact (integers and
    booleans with nulls would otherwise become floats or objects); None keeps the default."""
    import pyarrow as pa

    if pa.types.is_integer(arrow_type):
        return pd.api.types.pandas_dtype(str(arrow_type).replace("int", "Int").replace("uInt", "UInt"))
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    return None


def arrow_to_pandas(table: Any) -> pd.DataFrame:
    """An Arrow table or record batch as a DataFrame, integer and boolean columns kept exact
    (nullable ``Int64``/``boolean`` instead of floats when they hold nulls).

    Parameters
    ----------
    table : pyarrow.Table or pyarrow.RecordBatch

    Returns
    -------
    pandas.DataFrame
    """
    return table.to_pandas(types_mapper=_arrow_types)


def _read_jsonl(p: Path, dtype: Any) -> pd.DataFrame:
    from moderation.jsonsafe import loads_bounded

    records = []
    with open(p, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = loads_bounded(line)
            except ValueError as exc:
                raise ValueError(f"line {lineno}: {exc}") from None
            if not isinstance(record, dict):
                raise ValueError(f"line {lineno}: a JSON {type(record).__name__}, not an object")
            records.append(record)
    df = frame_from_records(records)
    if dtype is not None:
        kinds = dtype if isinstance(dtype, dict) else dict.fromkeys(df.columns, dtype)
        for col, kind in kinds.items():
            if col in df.columns:
                df[col] = pd.Series([v if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                                     else kind(v) for v in df[col].astype(object)],
                                    index=df.index, dtype=object)
    return df


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
        Integer columns stay integers when some values are missing (nullable ``Int64``), so
        ids keep every digit.

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
            import pyarrow.parquet as pq

            return arrow_to_pandas(pq.read_table(p))
        if fmt == "jsonl":
            return _read_jsonl(p, dtype)
        sep = "\t" if fmt == "tsv" else ","
        return pd.read_csv(p, sep=sep, encoding="utf-8-sig", **csv_opts)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"{p}: cannot read as {fmt.upper()} ({exc}); check the file's format") from exc
