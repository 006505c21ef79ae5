"""Table input and output: CSV, TSV, JSONL and Parquet by file extension, read whole or streamed.

Whole tables: :func:`read_table` and :func:`write_table`, used by the commands that handle one
table at a time. Streamed tables, used by :func:`moderation.score_file`: :func:`classify_input`
finds an input's kind (and a CSV's encoding and separator), :func:`source_layout` its columns
and types, :func:`read_chunks` yields it in chunks of bounded size, and :class:`TableWriter`
writes chunks with one planned set of columns and types. No row is dropped on the way: a row
that cannot be read (a CSV line with extra cells, a JSONL line that is not an object) is kept
with its reason in the internal :data:`READ_ERROR` column; only a file that cannot be read at
all (a broken header, an unterminated quote) raises :class:`TableError`.

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
import re
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from moderation.atomic import temp_file_beside

__all__ = [
    "PAGE_SUFFIXES",
    "READ_ERROR",
    "READ_FORMATS",
    "TEXT_CANDIDATES",
    "WRITE_FORMATS",
    "InputWarning",
    "Layout",
    "Progress",
    "Source",
    "TableError",
    "TableWriter",
    "arrow_to_pandas",
    "classify_input",
    "csv_delimiter",
    "detect_encoding",
    "expand_inputs",
    "find_text_column",
    "frame_from_records",
    "read_chunks",
    "read_table",
    "sniff_csv",
    "source_layout",
    "table_format",
    "write_table",
]


class TableError(ValueError):
    """An input that cannot be read at all, or a value that cannot be written to the output's
    format; the message names the file and says how to fix it."""


class InputWarning(UserWarning):
    """Something about an input worth knowing that does not stop the run (a CSV file that is
    not UTF-8 was read as Windows-1252)."""


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


def _read_jsonl_table(p: Path, dtype: Any) -> pd.DataFrame:
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
            return _read_jsonl_table(p, dtype)
        sep = "\t" if fmt == "tsv" else ","
        return pd.read_csv(p, sep=sep, encoding="utf-8-sig", **csv_opts)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"{p}: cannot read as {fmt.upper()} ({exc}); check the file's format") from exc


# ==================================================================== streaming (score)
# Inputs are streamed in chunks (CSV/TSV via pandas, JSONL line by line, Parquet by record
# batch), so a file of any size is read in bounded memory, and no row is dropped: a row that
# cannot be read is kept with its reason in the internal READ_ERROR column.
#: Columns searched, in this order and case-insensitively, for the comment text.
TEXT_CANDIDATES = ("text", "comment", "body", "message", "content")
#: Suffixes read as pages (parsed into comments first).
PAGE_SUFFIXES = (".txt", ".html", ".htm", ".xhtml")

_SURROGATE_RE = re.compile("[\ud800-\udfff]")
#: Internal column a reader fills for a row it could not read (a CSV line with too many cells,
#: a JSONL line that is not a JSON object): the row is kept, unscored, with this as its
#: ``error``. Never written out.
READ_ERROR = "\x00moderation:read-error"
_BAD_LINE_RE = re.compile(r"Skipping line (\d+): expected (\d+) fields?, saw (\d+)")


@dataclass
class Source:
    """One input: its kind, display name and (for files) path."""

    name: str
    kind: str  # "stdin", "page", "csv", "tsv", "jsonl", "parquet"
    path: Path | None = None
    #: CSV/TSV: the file's encoding and separator, found as ``train --labels`` finds them.
    encoding: str = "utf-8-sig"
    sep: str = ","

    @property
    def encoding_errors(self) -> str:
        # UTF-8: keep undecodable bytes (a row error); Windows-1252: its few undefined bytes as U+FFFD
        return "surrogateescape" if self.encoding == "utf-8-sig" else "replace"


def expand_inputs(names: list[str]) -> list[str]:
    """Input names with shell-style patterns (``archive/part-*.parquet``) expanded, in sorted
    order, for patterns the shell did not expand (quoted, or given from Python). A name that
    exists as it is, or holds no ``*``, ``?`` or ``[``, is kept as it is.

    Raises
    ------
    TableError
        For a pattern that matches no file.
    """
    import glob

    out: list[str] = []
    for name in names:
        if name == "-" or Path(name).exists() or not glob.has_magic(name):
            out.append(name)
            continue
        found = sorted(glob.glob(name, recursive=True))
        if not found:
            raise TableError(f"{name}: no file matches this pattern; check the path")
        out.extend(found)
    return out


def classify_input(name: str) -> Source:
    """The kind of one input (``"-"`` is stdin), and a CSV/TSV file's encoding and separator.

    Parameters
    ----------
    name : str
        A file name, or ``"-"`` for one comment per line on standard input.

    Returns
    -------
    Source

    Raises
    ------
    TableError
        For a folder, a missing or empty file, or an unsupported extension.

    Warns
    -----
    InputWarning
        When a CSV/TSV file is not UTF-8 and is read as Windows-1252.
    """
    if name == "-":
        return Source("<stdin>", "stdin")
    path = Path(name)
    if path.is_dir():
        raise TableError(f"{name}: is a folder, not a file; pass the files inside it "
                         f"(for example {Path(name) / '*.csv'})")
    if not path.exists():
        raise TableError(f"{name}: no such file; check the path")
    lower = path.name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    if lower.endswith(PAGE_SUFFIXES):
        kind = "page"
    else:
        try:
            kind = table_format(path, READ_FORMATS)
        except ValueError:
            known = ", ".join(sorted(set(READ_FORMATS) | set(PAGE_SUFFIXES)))
            raise TableError(
                f"{name}: unsupported input extension {path.suffix or '(none)'!r}; use one of "
                f"{known}, or '-' for one comment per line on stdin"
            ) from None
    try:
        empty = path.stat().st_size == 0
    except OSError as exc:
        raise TableError(_one_line(exc)) from None
    if empty:
        raise TableError(f"{name}: the file is empty (0 bytes); nothing to score")
    src = Source(name, kind, path)
    if kind in ("csv", "tsv"):
        try:
            src.encoding, src.sep = sniff_csv(path)
        except OSError as exc:
            raise TableError(_one_line(exc)) from None
        if src.encoding == FALLBACK_ENCODING:
            warnings.warn(f"{name} is not UTF-8; read as Windows-1252", InputWarning, stacklevel=2)
    return src


def find_text_column(columns: list[Any], requested: str | None, name: str) -> Any:
    """The column of ``columns`` holding the comment text: ``requested``, else the first of
    :data:`TEXT_CANDIDATES` found (case-insensitively).

    Raises
    ------
    TableError
        When ``requested`` is not a column, or no candidate is; the message lists the columns.
    """
    shown = ", ".join(map(str, columns[:20])) + (", ..." if len(columns) > 20 else "")
    if requested is not None:
        if requested in columns:
            return requested
        raise TableError(f"{name}: no column {requested!r} for --text-column (text_column=); its "
                         f"columns are: {shown}")
    lower = {str(c).lower(): c for c in reversed(columns)}
    for cand in TEXT_CANDIDATES:
        if cand in lower:
            return lower[cand]
    raise TableError(
        f"{name}: no text column (looked for {', '.join(TEXT_CANDIDATES)}); name it with "
        f"--text-column (text_column= in Python; columns: {shown})"
    )


class Progress:
    """A tqdm bar on a terminal, nothing otherwise."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar: Any = None

    def start(self, desc: str, total: int | None, unit: str) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        self.close()
        scale = unit == "B"
        self.bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=scale, leave=False, file=sys.stderr)

    def update_to(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(max(0, n - self.bar.n))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class _BadRecords:
    """Fetches the records pandas skipped (lines with too many cells) from a second pass over
    the file with the csv module, which numbers records the way pandas does (a blank line is
    one, a quoted cell over several lines is one)."""

    def __init__(self, path: Path, sep: str, encoding: str = "utf-8-sig",
                 errors: str = "surrogateescape") -> None:
        self.path = path
        self.sep = sep
        self.encoding = encoding
        self.errors = errors
        self.handle: Any = None
        self.reader: Any = None
        self.record = 0

    def fetch(self, number: int) -> tuple[int, list[str]]:
        """Physical line and cells of record ``number`` (1-based, the header is 1)."""
        import csv

        if self.reader is None:
            self.handle = open(self.path, encoding=self.encoding, errors=self.errors, newline="")
            self.reader = csv.reader(self.handle, delimiter=self.sep)
        cells: list[str] = []
        start = self.reader.line_num + 1
        limit = csv.field_size_limit(sys.maxsize)  # pandas reads cells of any size; so must this
        try:
            while self.record < number:
                start = self.reader.line_num + 1
                try:
                    cells = next(self.reader, [])
                except csv.Error:
                    cells = []
                self.record += 1
        finally:
            csv.field_size_limit(limit)
        return start, cells

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


def _bad_rows(columns: list[Any], found: list[tuple[int, int, int]], records: _BadRecords,
              name: str) -> pd.DataFrame:
    """Rows for the lines pandas skipped: their cells by position, unscored, with an error."""
    rows = []
    for number, expected, saw in found:
        line, cells = records.fetch(number)
        row: dict[Any, Any] = dict(zip(columns, cells, strict=False))
        row[READ_ERROR] = (
            f"{name}, line {line}: {saw} cells but the header has {expected} (is a separator in "
            "the text not quoted?); the row was not scored"
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=[*columns, READ_ERROR], dtype=object)


def _read_csv(src: Source, sep: str, chunk_size: int, progress: Progress) -> Iterator[pd.DataFrame]:
    import pandas as pd


    assert src.path is not None
    fmt = "TSV" if sep == "\t" else "CSV"
    size = src.path.stat().st_size
    records = _BadRecords(src.path, sep, src.encoding, src.encoding_errors)
    with open(src.path, "rb") as fh:
        progress.start(src.name, size, "B")
        try:
            reader = pd.read_csv(
                fh,
                sep=sep,
                dtype=object,
                keep_default_na=False,
                na_values=[""],
                encoding=src.encoding,
                encoding_errors=src.encoding_errors,
                chunksize=chunk_size,
                on_bad_lines="warn",  # kept below as rows with an error, never dropped
            )
            columns: list[Any] | None = None
            while True:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", pd.errors.ParserWarning)
                    chunk = next(reader, None)
                found = [
                    (int(m[0]), int(m[1]), int(m[2]))
                    for w in caught if issubclass(w.category, pd.errors.ParserWarning)
                    for m in _BAD_LINE_RE.findall(str(w.message))
                ]
                if chunk is not None:
                    columns = list(chunk.columns)
                elif columns is None:
                    columns = list(getattr(reader, "orig_names", None) or [])
                if found:
                    bad = _bad_rows(columns, found, records, src.name)
                    chunk = bad if chunk is None else pd.concat([chunk, bad], ignore_index=True)
                if chunk is None:
                    break
                progress.update_to(fh.tell())
                yield chunk
        except pd.errors.EmptyDataError:
            return
        except (pd.errors.ParserError, ValueError) as exc:
            raise TableError(f"{src.name}: malformed {fmt} ({_one_line(exc)}); fix the file or export it again") from None
        finally:
            records.close()


def _jsonl_record(line: str, lineno: int, name: str) -> dict[str, Any]:
    """One JSONL line as a record, or a record holding only the reason it cannot be read."""
    from moderation.jsonsafe import JSONDepthError, loads_bounded

    try:
        record = loads_bounded(line)
    except JSONDepthError as exc:
        return {READ_ERROR: f"{name}, line {lineno}: a JSON value {exc}; the row was not scored"}
    except json.JSONDecodeError as exc:
        return {READ_ERROR: f"{name}, line {lineno}: not valid JSON ({exc.msg}); the row was not scored"}
    if not isinstance(record, dict):
        return {READ_ERROR: f"{name}, line {lineno}: a JSON {type(record).__name__}, not an object "
                            'such as {"text": "..."}; the row was not scored'}
    record.pop(READ_ERROR, None)
    return record


def _jsonl_lines(path: Path) -> Iterator[tuple[int, str, int]]:
    """(line number, decoded line, bytes read so far) of every non-blank line of a JSONL file."""
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            line = raw.decode("utf-8", errors="surrogateescape")
            if lineno == 1:
                line = line.removeprefix("\ufeff")
            if line.strip():
                yield lineno, line, fh.tell()


def _read_jsonl(src: Source, chunk_size: int, progress: Progress) -> Iterator[pd.DataFrame]:

    assert src.path is not None
    size = src.path.stat().st_size
    records: list[dict[str, Any]] = []
    progress.start(src.name, size, "B")
    for lineno, line, done in _jsonl_lines(src.path):
        records.append(_jsonl_record(line, lineno, src.name))
        if len(records) >= chunk_size:
            progress.update_to(done)
            yield frame_from_records(records)
            records = []
    progress.update_to(size)
    if records:
        yield frame_from_records(records)


def _read_parquet(src: Source, chunk_size: int, progress: Progress) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.parquet as pq


    try:
        pf = pq.ParquetFile(src.path)
        progress.start(src.name, pf.metadata.num_rows, "rows")
        done = 0
        for batch in pf.iter_batches(batch_size=chunk_size):
            done += batch.num_rows
            progress.update_to(done)
            yield arrow_to_pandas(batch)
    except (pa.ArrowException, OSError) as exc:
        raise TableError(f"{src.name}: malformed Parquet ({_one_line(exc)}); fix the file or export it again") from None


def _read_page(src: Source) -> Iterator[pd.DataFrame]:
    from moderation.parse import (
        COLUMNS,
        BinaryFileError,
        PageTooLargeError,
        ParseWarning,
        parse_comments,
    )

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ParseWarning)
        try:
            comments = parse_comments(src.path)  # type: ignore[arg-type]
        except (OSError, BinaryFileError, PageTooLargeError) as exc:
            raise TableError(_one_line(exc)) from None
    for w in caught:  # passed on, each one (the caller decides how to show them)
        warnings.warn(w.message, stacklevel=2)
    yield pd.DataFrame([c.to_dict() for c in comments], columns=list(COLUMNS))


def _read_stdin(chunk_size: int, progress: Progress) -> Iterator[pd.DataFrame]:
    stream = getattr(sys.stdin, "buffer", None)
    progress.start("<stdin>", None, "rows")
    lines: list[str | None] = []
    done = 0
    source: Any = stream if stream is not None else sys.stdin
    for raw in source:
        line = raw.decode("utf-8", errors="surrogateescape") if isinstance(raw, bytes) else raw
        line = line.rstrip("\r\n")
        if done == 0 and not lines:
            line = line.removeprefix("\ufeff")
        lines.append(line if line.strip() else None)
        if len(lines) >= chunk_size:
            done += len(lines)
            progress.update_to(done)
            yield pd.DataFrame({"text": pd.Series(lines, dtype=object)})
            lines = []
    if lines:
        yield pd.DataFrame({"text": pd.Series(lines, dtype=object)})


def read_chunks(src: Source, chunk_size: int, progress: Progress) -> Iterator[pd.DataFrame]:
    """The rows of one input, ``chunk_size`` at a time (a page: all its comments at once).

    Parameters
    ----------
    src : Source
        From :func:`classify_input`.
    chunk_size : int
        Rows per chunk (CSV chunks also carry the rows pandas skipped, so may be longer).
    progress : Progress
        Advanced as the input is read.

    Yields
    ------
    pandas.DataFrame
        A chunk; a row that could not be read holds its reason in :data:`READ_ERROR`.

    Raises
    ------
    TableError
        When the file cannot be read at all (a broken header, an unterminated quote).
    """
    if src.kind == "stdin":
        return _read_stdin(chunk_size, progress)
    if src.kind == "page":
        return _read_page(src)
    if src.kind in ("csv", "tsv"):
        return _read_csv(src, src.sep, chunk_size, progress)
    if src.kind == "jsonl":
        return _read_jsonl(src, chunk_size, progress)
    return _read_parquet(src, chunk_size, progress)




# --------------------------------------------------------------------------- output
def _clean_strings(df: pd.DataFrame, *, nested: bool) -> pd.DataFrame:
    """Replace undecodable bytes (lone surrogates) with U+FFFD and, if ``nested``, turn dict/list
    cells into JSON text, for formats that need valid UTF-8 and flat cells."""

    def fix(v: Any) -> Any:
        if isinstance(v, str):
            return _SURROGATE_RE.sub("\ufffd", v) if _SURROGATE_RE.search(v) else v
        if nested and isinstance(v, (dict, list)):
            return json.dumps(v, ensure_ascii=False)
        return v

    df = df.copy(deep=False)
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].map(fix)
    return df




# --------------------------------------------------------------------------- layout
@dataclass
class Layout:
    """The columns of every input, known before scoring, so every chunk is written with the
    same columns (and, for Parquet, the same types) whatever keys or types it happens to hold."""

    #: Per input name: its columns, in order.
    columns: dict[str, list[Any]] = field(default_factory=dict)
    #: Per column: an Arrow type that holds every value the inputs have in it.
    types: dict[Any, Any] = field(default_factory=dict)

    def add(self, name: str, columns: list[Any], types: dict[Any, Any]) -> None:
        self.columns[name] = columns
        for col in columns:
            self.types[col] = _merge_types(self.types.get(col), types.get(col))

    def union(self) -> list[Any]:
        """Every input column, in order of first appearance."""
        return list(dict.fromkeys(c for cols in self.columns.values() for c in cols))


def _merge_types(a: Any, b: Any) -> Any:
    """One Arrow type for a column holding values of types ``a`` and ``b`` (text if they differ)."""
    import pyarrow as pa

    if a is None or pa.types.is_null(a):
        return b if b is not None else pa.null()
    if b is None or pa.types.is_null(b) or a.equals(b):
        return a
    if pa.types.is_integer(a) and pa.types.is_integer(b):
        return pa.int64()
    if all(pa.types.is_integer(t) or pa.types.is_floating(t) for t in (a, b)):
        return pa.float64()
    return pa.string()


_EXACT_FLOAT = 2**53


def _json_types(kinds: dict[Any, set[str]]) -> dict[Any, Any]:
    """Arrow type per JSONL key from the kinds of values seen (see :func:`_kind`)."""
    import pyarrow as pa

    out: dict[Any, Any] = {}
    for key, seen in kinds.items():
        if not seen:
            out[key] = pa.null()
        elif seen == {"bool"}:
            out[key] = pa.bool_()
        elif seen - {"wide"} == {"int"}:
            out[key] = pa.int64()
        elif seen <= {"int", "float"}:  # no integer a float would round
            out[key] = pa.float64()
        else:  # text, nested values, integers too big for int64 (or a float), or a mix
            out[key] = pa.string()
    return out


def _kinds(value: Any) -> tuple[str, ...]:
    """Kinds of one JSON value: bool, int (plus wide beyond 2**53, where floats round),
    bigint (beyond int64), float, str or nested."""
    if value is None:
        return ()
    if isinstance(value, bool):
        return ("bool",)
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            return ("bigint",)
        return ("int",) if -_EXACT_FLOAT <= value <= _EXACT_FLOAT else ("int", "wide")
    if isinstance(value, float):
        return ("float",)
    return ("str",) if isinstance(value, str) else ("nested",)


def source_layout(src: Source) -> tuple[list[Any], dict[Any, Any]]:
    """Columns and Arrow types of one input, read without scoring it (a JSONL file is read once
    more: a key may first appear on its last line)."""
    import pyarrow as pa


    if src.kind == "stdin":
        return ["text"], {"text": pa.string()}
    if src.kind == "page":
        from moderation.parse import COLUMNS

        types = {c: pa.string() for c in COLUMNS}
        types.update(position=pa.int64(), has_image=pa.bool_())
        return list(COLUMNS), types
    assert src.path is not None
    if src.kind in ("csv", "tsv"):
        try:
            head = pd.read_csv(src.path, sep=src.sep, nrows=0, dtype=object,
                               encoding=src.encoding, encoding_errors=src.encoding_errors)
        except pd.errors.EmptyDataError:
            return [], {}
        except (pd.errors.ParserError, ValueError) as exc:
            raise TableError(f"{src.name}: malformed {src.kind.upper()} header ({_one_line(exc)}); fix "
                           "the file or export it again") from None
        return list(head.columns), {c: pa.string() for c in head.columns}
    if src.kind == "parquet":
        import pyarrow.parquet as pq

        try:
            schema = pq.ParquetFile(src.path).schema_arrow
        except (pa.ArrowException, OSError) as exc:
            raise TableError(f"{src.name}: malformed Parquet ({_one_line(exc)}); fix the file or "
                           "export it again") from None
        return list(schema.names), {f.name: f.type for f in schema}
    kinds: dict[Any, set[str]] = {}
    for lineno, line, _ in _jsonl_lines(src.path):
        for key, value in _jsonl_record(line, lineno, src.name).items():
            kinds.setdefault(key, set()).update(_kinds(value))
    kinds.pop(READ_ERROR, None)
    return list(kinds), _json_types(kinds)




# --------------------------------------------------------------------------- output
def _py(value: Any) -> Any:
    """A cell as a plain Python value; missing values (None, NaN, NA, NaT) as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            return value
        if isinstance(value, float) and value != value:
            return None
    return value


def _text_cell(value: Any) -> str | None:
    """A cell for a text column: strings as they are, other values as JSON text."""
    value = _py(value)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


class TableWriter:
    """Writes chunks to a temporary file beside the target (or to stdout) and renames it at the
    end. Every chunk is written with the same columns (``columns``), in the same order, and for
    Parquet with the same types (``types``): a key that first appears late, or a value whose
    type differs from the rows before, never stops the run."""

    def __init__(self, path: str | None, columns: list[Any] | None = None,
                 types: dict[Any, Any] | None = None, json_columns: tuple[Any, ...] = ()):

        self.to_stdout = path in (None, "-")
        self.target = None if self.to_stdout else Path(path)  # type: ignore[arg-type]
        self.fmt = "csv" if self.target is None else table_format(self.target)
        self.columns: list[Any] | None = list(columns) if columns is not None else None
        self.types = dict(types or {})
        #: Columns holding JSON text (``reasons``): written as JSON values in JSONL.
        self.json_columns = tuple(json_columns)
        self.opened = False
        self.handle: Any = None
        self.tmp: Path | None = None
        self.parquet: Any = None
        self.schema: Any = None
        self.lock_fd: int | None = None
        self.rows = 0

    def _open(self) -> None:
        self.opened = True
        if self.to_stdout:
            buffer = getattr(sys.stdout, "buffer", None)
            if buffer is None:
                self.handle = sys.stdout
            else:
                sys.stdout.flush()
                self.handle = io.TextIOWrapper(
                    buffer, encoding="utf-8", errors="surrogateescape", newline="", write_through=True
                )
            return
        from moderation.atomic import temp_file_beside

        assert self.target is not None
        self.target.parent.mkdir(parents=True, exist_ok=True)
        # locked while open, with the target's mode (or the umask's); temporaries of the same
        # target left by a killed run are removed here
        fd, self.tmp = temp_file_beside(self.target)
        if self.fmt == "parquet":
            self.lock_fd = fd  # held until the end; pyarrow writes the file by its path
        else:
            errors = "surrogateescape" if self.fmt in ("csv", "tsv") else "strict"
            self.handle = os.fdopen(fd, "w", encoding="utf-8", errors=errors, newline="")

    def write(self, df: pd.DataFrame, source: str) -> None:
        first = not self.opened
        if first:
            self._open()
            if self.columns is None:
                self.columns = list(df.columns)
        if self.fmt != "jsonl":
            assert self.columns is not None
            extra = [c for c in df.columns if c not in self.columns]
            self.columns.extend(extra if first else [])  # never, with a planned layout
            df = df.reindex(columns=self.columns)
        if self.fmt in ("csv", "tsv"):
            sep = "\t" if self.fmt == "tsv" else ","
            df = _clean_strings(df, nested=True) if _has_nested(df) else df
            df.to_csv(self.handle, index=False, header=first, sep=sep, lineterminator="\n")
        elif self.fmt == "jsonl":
            df = _clean_strings(df, nested=False)
            for col in self.json_columns:
                if col in df.columns:
                    df[col] = df[col].map(lambda v: json.loads(v) if isinstance(v, str) else v)
            self._write_jsonl(df)
        else:
            self._write_parquet(_clean_strings(df, nested=False), source)
        self.rows += len(df)

    def _write_jsonl(self, df: pd.DataFrame) -> None:
        """One JSON object per row, every value exact (integers of any size, floats as
        ``repr`` writes them, missing values as null)."""

        _write_jsonl(df, self.handle)

    def _write_parquet(self, df: pd.DataFrame, source: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq


        if self.schema is None:
            fields = []
            for col in df.columns:
                kind = self.types.get(col)
                if kind is None:  # not planned (a caller without a layout): infer from this chunk
                    kind = pa.Array.from_pandas(_object_column(df[col], None)).type
                if pa.types.is_null(kind):
                    kind = pa.string()
                fields.append(pa.field(str(col), kind))
            self.schema = pa.schema(fields)
            self.parquet = pq.ParquetWriter(self.tmp, self.schema)
        arrays = []
        for col, fld in zip(df.columns, self.schema, strict=True):
            try:
                arrays.append(pa.array(_object_column(df[col], fld.type), type=fld.type))
            except (pa.ArrowException, TypeError, ValueError, OverflowError) as exc:
                raise TableError(
                    f"{source}: column {col!r} holds a value that does not fit its Parquet type "
                    f"{fld.type} ({_one_line(exc)}); write .csv or .jsonl instead"
                ) from None
        self.parquet.write_table(pa.Table.from_arrays(arrays, schema=self.schema))

    def commit(self) -> None:
        """Finish the output: an empty table if nothing was written, then rename into place."""
        if not self.opened:
            columns = self.columns if self.columns else ["text"]
            self.write(pd.DataFrame(columns=columns), "<empty>")
        if self.to_stdout:
            self.handle.flush()
            if isinstance(self.handle, io.TextIOWrapper) and self.handle is not sys.stdout:
                self.handle.detach()
            return
        if self.parquet is not None:
            self.parquet.close()
        elif self.handle is not None:
            self.handle.flush()
        assert self.tmp is not None and self.target is not None
        os.replace(self.tmp, self.target)
        self._release()

    def _release(self) -> None:
        """Close the temporary's descriptor, which releases its lock."""
        if self.handle is not None and not self.handle.closed:
            self.handle.close()
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None

    def abort(self) -> None:
        """Drop the temporary file; an existing target is left as it was."""
        if self.to_stdout:
            if isinstance(self.handle, io.TextIOWrapper) and self.handle is not sys.stdout:
                try:
                    self.handle.flush()
                    self.handle.detach()
                except (OSError, ValueError):
                    pass
            return
        try:
            if self.parquet is not None:
                self.parquet.close()
        except Exception:  # noqa: BLE001 - the run already failed; keep its error
            pass
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
        try:
            self._release()
        except OSError:
            pass


def _has_nested(df: pd.DataFrame) -> bool:
    for col in df.columns:
        if df[col].dtype == object and any(isinstance(v, (dict, list)) for v in df[col]):
            return True
    return False


def _object_column(series: pd.Series, kind: Any) -> list[Any]:
    """A column's values as Python objects fit for an Arrow array of type ``kind``: text for a
    string column (other values as JSON text), plain values otherwise, None for missing."""
    import pyarrow as pa

    if kind is not None and (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        return [_text_cell(v) for v in series.tolist()]
    values = [_py(v) for v in series.tolist()]
    if kind is None and any(isinstance(v, (dict, list)) for v in values):
        return [_text_cell(v) for v in values]
    if kind is not None and pa.types.is_floating(kind):
        return [float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in values]
    return values




def _one_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if len(exc.args) == 1 else str(exc)
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
        text = f"{exc.filename}: {exc.strerror or text}"
    return " ".join(text.split())
