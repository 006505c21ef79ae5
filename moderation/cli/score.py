"""``moderation score INPUT... [-o OUT]``: add HOSTILE/CONSPIRATORIAL scores to a table of comments.

Inputs are streamed in chunks (CSV/TSV via pandas, JSONL line by line, Parquet by record batch),
so a file of any size is scored in bounded memory. No row is dropped: rows that cannot be read
or scored (a CSV line with extra cells, a JSONL line that is not an object, a missing text) are
kept with an ``error`` column; only a file that cannot be read at all (a broken header, an
unterminated quote) stops the run with a one-line message. The columns of every input are found
before scoring (:func:`_plan`), so every chunk is written with the same columns and types. The
output is written to a temporary file beside the target and renamed at the end, so a failed run
never replaces an existing file with a partial one.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderation.cli import add_output_argument

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from moderation.model import Model

HELP = "score comments in tables (CSV, TSV, JSONL, Parquet), pages or stdin"

#: Columns searched, in this order and case-insensitively, for the comment text.
TEXT_CANDIDATES = ("text", "comment", "body", "message", "content")
#: Suffixes read as pages (parsed into comments first).
PAGE_SUFFIXES = (".txt", ".html", ".htm", ".xhtml")
DEFAULT_CHUNK_SIZE = 10_000
LABELS = ("hostile", "conspiratorial")
SCORE_COLUMNS = (
    "hostile_score", "conspiratorial_score", "hostile_flag", "conspiratorial_flag", "language",
)

_SURROGATE_RE = re.compile("[\ud800-\udfff]")
UNDECODABLE = "text is not valid UTF-8; re-save the file as UTF-8"
#: Internal column a reader fills for a row it could not read (a CSV line with too many cells,
#: a JSONL line that is not a JSON object): the row is kept, unscored, with this as its
#: ``error``. Never written out.
READ_ERROR = "\x00moderation:read-error"
_BAD_LINE_RE = re.compile(r"Skipping line (\d+): expected (\d+) fields?, saw (\d+)")


def _threshold(value: str) -> float:
    try:
        t = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number; give a score between 0 and 1") from None
    if not 0.0 <= t <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is outside 0-1; give a score between 0 and 1")
    return t


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def register(subparsers: Any) -> None:
    """Add the ``score`` sub-command to the top-level parser."""
    p = subparsers.add_parser(
        "score",
        help=HELP,
        description=(
            "Score comments for HOSTILE and CONSPIRATORIAL content. Each INPUT is a table "
            "(.csv, .tsv, .jsonl, .parquet) whose text column is found among "
            f"{', '.join(TEXT_CANDIDATES)} (or named with --text-column), a saved page (.txt, "
            ".html: parsed into comments first), or '-' for one comment per line on stdin. The "
            "output keeps every input column and adds hostile_score, conspiratorial_score, "
            "hostile_flag, conspiratorial_flag, language and error (plus reasons with "
            "--explain). Comments in a language the model was not trained for (it is English-"
            "only) get empty scores and no flags; the summary on stderr counts them."
        ),
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="table, page, or '-' for stdin lines")
    add_output_argument(p)
    p.add_argument("--model", metavar="PATH", default=None, help="model folder (default: the shipped model)")
    p.add_argument("--text-column", metavar="NAME", default=None, help="column holding the comment text")
    p.add_argument(
        "--explain",
        action="store_true",
        help="add a 'reasons' column: JSON of the words behind each flagged label",
    )
    p.add_argument(
        "--only-flagged",
        action="store_true",
        help="write only rows flagged for at least one label (rows with errors are kept too)",
    )
    p.add_argument(
        "--threshold-hostile", type=_threshold, metavar="T", default=None,
        help="flag HOSTILE at or above this score (default: the model's threshold)",
    )
    p.add_argument(
        "--threshold-conspiratorial", type=_threshold, metavar="T", default=None,
        help="flag CONSPIRATORIAL at or above this score (default: the model's threshold)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace score columns the input already has instead of stopping",
    )
    p.add_argument(
        "--chunk-size", type=_positive_int, default=DEFAULT_CHUNK_SIZE, metavar="N",
        help=f"rows scored at a time (default {DEFAULT_CHUNK_SIZE:,}); bounds memory use",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    p.set_defaults(func=run)


# --------------------------------------------------------------------------- inputs
@dataclass
class _Source:
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


def _classify(name: str) -> _Source:
    from moderation.cli import CLIError
    from moderation.io import READ_FORMATS, table_format

    if name == "-":
        return _Source("<stdin>", "stdin")
    path = Path(name)
    if path.is_dir():
        raise CLIError(f"{name}: is a folder, not a file; pass the files inside it "
                       f"(for example {Path(name) / '*.csv'})")
    if not path.exists():
        raise CLIError(f"{name}: no such file; check the path")
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
            raise CLIError(
                f"{name}: unsupported input extension {path.suffix or '(none)'!r}; use one of "
                f"{known}, or '-' for one comment per line on stdin"
            ) from None
    try:
        empty = path.stat().st_size == 0
    except OSError as exc:
        raise CLIError(_one_line(exc)) from None
    if empty:
        raise CLIError(f"{name}: the file is empty (0 bytes); nothing to score")
    src = _Source(name, kind, path)
    if kind in ("csv", "tsv"):
        from moderation.io import FALLBACK_ENCODING, sniff_csv

        try:
            src.encoding, src.sep = sniff_csv(path)
        except OSError as exc:
            raise CLIError(_one_line(exc)) from None
        if src.encoding == FALLBACK_ENCODING:
            print(f"moderation score: {name} is not UTF-8; read as Windows-1252", file=sys.stderr)
    return src


def _text_column(columns: list[Any], requested: str | None, name: str) -> Any:
    from moderation.cli import CLIError

    shown = ", ".join(map(str, columns[:20])) + (", ..." if len(columns) > 20 else "")
    if requested is not None:
        if requested in columns:
            return requested
        raise CLIError(f"{name}: no column {requested!r} for --text-column; its columns are: {shown}")
    lower = {str(c).lower(): c for c in reversed(columns)}
    for cand in TEXT_CANDIDATES:
        if cand in lower:
            return lower[cand]
    raise CLIError(
        f"{name}: no text column (looked for {', '.join(TEXT_CANDIDATES)}); name it with "
        f"--text-column (columns: {shown})"
    )


class _Progress:
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
    import pandas as pd

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


def _read_csv(src: _Source, sep: str, chunk_size: int, progress: _Progress) -> Iterator[pd.DataFrame]:
    import pandas as pd

    from moderation.cli import CLIError

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
            raise CLIError(f"{src.name}: malformed {fmt} ({_one_line(exc)}); fix the file or export it again") from None
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


def _read_jsonl(src: _Source, chunk_size: int, progress: _Progress) -> Iterator[pd.DataFrame]:
    from moderation.io import frame_from_records

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


def _read_parquet(src: _Source, chunk_size: int, progress: _Progress) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from moderation.cli import CLIError
    from moderation.io import arrow_to_pandas

    try:
        pf = pq.ParquetFile(src.path)
        progress.start(src.name, pf.metadata.num_rows, "rows")
        done = 0
        for batch in pf.iter_batches(batch_size=chunk_size):
            done += batch.num_rows
            progress.update_to(done)
            yield arrow_to_pandas(batch)
    except (pa.ArrowException, OSError) as exc:
        raise CLIError(f"{src.name}: malformed Parquet ({_one_line(exc)}); fix the file or export it again") from None


def _read_page(src: _Source) -> Iterator[pd.DataFrame]:
    import pandas as pd

    from moderation.cli import CLIError
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
            raise CLIError(_one_line(exc)) from None
    for w in caught:
        print(f"moderation score: warning: {w.message}", file=sys.stderr)
    yield pd.DataFrame([c.to_dict() for c in comments], columns=list(COLUMNS))


def _read_stdin(chunk_size: int, progress: _Progress) -> Iterator[pd.DataFrame]:
    import pandas as pd

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


def _chunks(src: _Source, chunk_size: int, progress: _Progress) -> Iterator[pd.DataFrame]:
    if src.kind == "stdin":
        return _read_stdin(chunk_size, progress)
    if src.kind == "page":
        return _read_page(src)
    if src.kind in ("csv", "tsv"):
        return _read_csv(src, src.sep, chunk_size, progress)
    if src.kind == "jsonl":
        return _read_jsonl(src, chunk_size, progress)
    return _read_parquet(src, chunk_size, progress)


# -------------------------------------------------------------------------- scoring
def row_error(text: Any) -> str | None:
    """Why a text cannot be scored, or None when it can."""
    import pandas as pd

    if text is None or text is pd.NA or (isinstance(text, float) and text != text):
        return "missing text"
    if isinstance(text, (bytes, bytearray)):  # a binary column (Parquet): fine if it is UTF-8
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            return UNDECODABLE
    if isinstance(text, str) and _SURROGATE_RE.search(text):
        return UNDECODABLE
    if not isinstance(text, str):
        return f"text is {type(text).__name__}, not a string"
    return None


def _as_text(text: Any) -> str:
    """A text :func:`row_error` accepted, as ``str`` (UTF-8 bytes decoded)."""
    return bytes(text).decode("utf-8") if isinstance(text, (bytes, bytearray)) else text


@dataclass
class _Stats:
    rows: int = 0
    scored: int = 0
    errors: int = 0
    flagged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    #: Comments left unscored, per unsupported language.
    unsupported: Counter[str] = field(default_factory=Counter)


def score_chunk(
    model: Model,
    chunk: pd.DataFrame,
    text_col: Any,
    thresholds: dict[str, float],
    *,
    explain: bool,
) -> pd.DataFrame:
    """The chunk with the score columns, ``language``, ``reasons`` (if ``explain``) and
    ``error`` appended.

    Rows that cannot be scored keep NaN scores, empty flags and a message in ``error`` (a row
    the reader could not read carries its reason in the internal :data:`READ_ERROR` column);
    rows in a language the model does not support get NaN scores and False flags (see
    :meth:`moderation.model.Model.score`).
    """
    import numpy as np
    import pandas as pd

    from moderation.api import reasons_for

    texts = chunk[text_col].tolist() if text_col in chunk.columns else [None] * len(chunk)
    unread = chunk[READ_ERROR].tolist() if READ_ERROR in chunk.columns else [None] * len(chunk)
    errors = [u if isinstance(u, str) else row_error(t) for t, u in zip(texts, unread, strict=True)]
    ok = np.array([e is None for e in errors], dtype=bool)
    valid = [_as_text(t) for t, good in zip(texts, ok, strict=True) if good]
    out = chunk.drop(columns=[READ_ERROR]) if READ_ERROR in chunk.columns else chunk.copy()
    flags: dict[str, np.ndarray] = {}
    scores = model.score(valid) if valid else None
    for label in LABELS:
        col = np.full(len(chunk), np.nan)
        if scores is not None:
            col[ok] = scores[f"{label}_score"].to_numpy(dtype=float)
        out[f"{label}_score"] = col
        flags[label] = np.nan_to_num(col, nan=-1.0) >= thresholds[label]
    for label in LABELS:
        flag = pd.array(flags[label], dtype="boolean")
        flag[~ok] = pd.NA
        out[f"{label}_flag"] = flag
    languages = np.full(len(chunk), None, dtype=object)
    if scores is not None:
        languages[ok] = scores["language"].to_numpy(dtype=object)
    out["language"] = pd.Series(languages, index=out.index, dtype=object)
    if explain:
        reasons: list[str | None] = []
        for i, text in enumerate(texts):
            if not ok[i]:
                reasons.append(None)
                continue
            found = reasons_for(model, _as_text(text), {label: bool(flags[label][i]) for label in LABELS})
            reasons.append(json.dumps(found, ensure_ascii=False) if found else None)
        out["reasons"] = pd.Series(reasons, index=out.index, dtype=object)
    out["error"] = pd.Series(errors, index=out.index, dtype=object)
    return out


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
class _Layout:
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


def _source_layout(src: _Source) -> tuple[list[Any], dict[Any, Any]]:
    """Columns and Arrow types of one input, read without scoring it (a JSONL file is read once
    more: a key may first appear on its last line)."""
    import pandas as pd
    import pyarrow as pa

    from moderation.cli import CLIError

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
            raise CLIError(f"{src.name}: malformed {src.kind.upper()} header ({_one_line(exc)}); fix "
                           "the file or export it again") from None
        return list(head.columns), {c: pa.string() for c in head.columns}
    if src.kind == "parquet":
        import pyarrow.parquet as pq

        try:
            schema = pq.ParquetFile(src.path).schema_arrow
        except (pa.ArrowException, OSError) as exc:
            raise CLIError(f"{src.name}: malformed Parquet ({_one_line(exc)}); fix the file or "
                           "export it again") from None
        return list(schema.names), {f.name: f.type for f in schema}
    kinds: dict[Any, set[str]] = {}
    for lineno, line, _ in _jsonl_lines(src.path):
        for key, value in _jsonl_record(line, lineno, src.name).items():
            kinds.setdefault(key, set()).update(_kinds(value))
    kinds.pop(READ_ERROR, None)
    return list(kinds), _json_types(kinds)


def _plan(sources: list[_Source], args: argparse.Namespace, added: list[str]) -> tuple[_Layout, dict[str, Any]]:
    """The layout of all inputs and each input's text column; refuses, before any scoring, an
    input whose columns clash with the added ones (unless ``--overwrite``)."""
    import pyarrow as pa

    from moderation.cli import CLIError

    layout = _Layout()
    text_cols: dict[str, Any] = {}
    for src in sources:
        columns, types = _source_layout(src)
        if src.kind != "page" or columns:
            if columns or src.kind not in ("csv", "tsv"):
                text_cols[src.name] = _text_column(columns, args.text_column, src.name)
        clash = [c for c in added if c in columns and c != text_cols.get(src.name)]
        if clash and not args.overwrite:
            raise CLIError(
                f"{src.name}: already has column(s) {', '.join(map(str, clash))}; pass --overwrite "
                "to replace them, or rename them first"
            )
        kept = [c for c in columns if c not in added or c == text_cols.get(src.name)]
        layout.add(src.name, kept, types)
    score_types = {"hostile_score": pa.float64(), "conspiratorial_score": pa.float64(),
                   "hostile_flag": pa.bool_(), "conspiratorial_flag": pa.bool_(),
                   "language": pa.string(), "reasons": pa.string(), "error": pa.string()}
    for col in added:
        layout.types[col] = score_types[col]
    return layout, text_cols


# --------------------------------------------------------------------------- output
def _py(value: Any) -> Any:
    """A cell as a plain Python value; missing values (None, NaN, NA, NaT) as None."""
    import pandas as pd

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


class _Writer:
    """Writes chunks to a temporary file beside the target (or to stdout) and renames it at the
    end. Every chunk is written with the same columns (``columns``), in the same order, and for
    Parquet with the same types (``types``): a key that first appears late, or a value whose
    type differs from the rows before, never stops the run."""

    def __init__(self, path: str | None, columns: list[Any] | None = None,
                 types: dict[Any, Any] | None = None, json_columns: tuple[Any, ...] = ()):
        from moderation.io import table_format

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
        from moderation.io import _write_jsonl

        _write_jsonl(df, self.handle)

    def _write_parquet(self, df: pd.DataFrame, source: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from moderation.cli import CLIError

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
                raise CLIError(
                    f"{source}: column {col!r} holds a value that does not fit its Parquet type "
                    f"{fld.type} ({_one_line(exc)}); write .csv or .jsonl instead"
                ) from None
        self.parquet.write_table(pa.Table.from_arrays(arrays, schema=self.schema))

    def commit(self) -> None:
        """Finish the output: an empty table if nothing was written, then rename into place."""
        if not self.opened:
            import pandas as pd

            columns = self.columns if self.columns else ["text", *SCORE_COLUMNS, "error"]
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


# ------------------------------------------------------------------------------ run
def _load(path: str | None) -> Model:
    from moderation.cli import load_model_or_fail

    return load_model_or_fail(path)


def run(args: argparse.Namespace) -> int:
    """Score every input, chunk by chunk, into one output table; print a summary on stderr."""
    from moderation.cli import CLIError, check_output

    check_output(args.output)
    if args.inputs.count("-") > 1:
        raise CLIError("'-' (stdin) can be given only once")
    sources = [_classify(name) for name in args.inputs]
    model = _load(args.model)
    thresholds = dict(model.thresholds)
    if args.threshold_hostile is not None:
        thresholds["hostile"] = args.threshold_hostile
    if args.threshold_conspiratorial is not None:
        thresholds["conspiratorial"] = args.threshold_conspiratorial
    added = [*SCORE_COLUMNS, *(["reasons"] if args.explain else []), "error"]
    layout, text_cols = _plan(sources, args, added)

    progress = _Progress(enabled=not args.no_progress and sys.stderr.isatty())
    writer = _Writer(args.output, [*(layout.union() or ["text"]), *added], layout.types,
                     json_columns=("reasons",) if args.explain else ())
    stats = _Stats()
    try:
        for src in sources:
            _score_source(src, model, thresholds, added, args, writer, stats, progress,
                          text_cols.get(src.name))
        progress.close()
        writer.commit()
    except BaseException:
        progress.close()
        writer.abort()
        raise
    _summary(stats, args.output, sys.stderr.write, languages=model.languages)
    return 0


def _score_source(
    src: _Source,
    model: Model,
    thresholds: dict[str, float],
    added: list[str],
    args: argparse.Namespace,
    writer: _Writer,
    stats: _Stats,
    progress: _Progress,
    text_col: Any,
) -> None:
    from moderation.language import unsupported_counts

    for chunk in _chunks(src, args.chunk_size, progress):
        if src.kind == "page" and chunk.empty:
            return
        drop = [c for c in added if c in chunk.columns and c != text_col]
        if drop:  # only with --overwrite (_plan refuses a clash otherwise)
            chunk = chunk.drop(columns=drop)
        scored = score_chunk(model, chunk, text_col, thresholds, explain=args.explain)
        bad = scored["error"].notna().to_numpy()
        unsupported = unsupported_counts(scored["language"], model.languages)
        stats.rows += len(scored)
        stats.errors += int(bad.sum())
        stats.scored += int((~bad).sum()) - sum(unsupported.values())
        stats.unsupported.update(unsupported)
        any_flag = None
        for label in LABELS:
            flag = scored[f"{label}_flag"].fillna(False).to_numpy(dtype=bool)
            stats.flagged[label] += int(flag.sum())
            any_flag = flag if any_flag is None else any_flag | flag
        if args.only_flagged:
            scored = scored[any_flag | bad]
        writer.write(scored, src.name)


def _summary(
    stats: _Stats, output: str | None, emit: Callable[[str], Any], *, languages: tuple[str, ...] = ("en",)
) -> None:
    from moderation.language import describe_unsupported

    where = "stdout" if output in (None, "-") else output
    emit(
        f"moderation score: {stats.scored:,} rows scored, {stats.flagged['hostile']:,} flagged "
        f"HOSTILE, {stats.flagged['conspiratorial']:,} flagged CONSPIRATORIAL, "
        f"{stats.errors:,} rows with errors -> {where}\n"
    )
    if stats.unsupported:
        emit(
            f"moderation score: {describe_unsupported(stats.unsupported)} (the model scores "
            f"{', '.join(languages)} only)\n"
        )


def _one_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if len(exc.args) == 1 else str(exc)
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
        text = f"{exc.filename}: {exc.strerror or text}"
    return " ".join(text.split())
