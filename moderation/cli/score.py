"""``moderation score INPUT... [-o OUT]``: add HOSTILE/CONSPIRATORIAL scores to a table of comments.

Inputs are streamed in chunks (CSV/TSV via pandas, JSONL line by line, Parquet by record batch),
so a file of any size is scored in bounded memory. Bad rows are kept with an ``error`` column;
a malformed file stops the run with a one-line message. The output is written to a temporary
file beside the target and renamed at the end, so a failed run never replaces an existing file
with a partial one.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import tempfile
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


def _classify(name: str) -> _Source:
    from moderation.cli import CLIError
    from moderation.io import READ_FORMATS, table_format

    if name == "-":
        return _Source("<stdin>", "stdin")
    path = Path(name)
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
    if not path.exists():
        raise CLIError(f"{name}: no such file; check the path")
    if path.is_dir():
        raise CLIError(f"{name}: is a folder; pass the files inside it")
    return _Source(name, kind, path)


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


def _read_csv(src: _Source, sep: str, chunk_size: int, progress: _Progress) -> Iterator[pd.DataFrame]:
    import pandas as pd

    from moderation.cli import CLIError

    assert src.path is not None
    fmt = "TSV" if sep == "\t" else "CSV"
    size = src.path.stat().st_size
    with open(src.path, "rb") as fh:
        progress.start(src.name, size, "B")
        try:
            reader = pd.read_csv(
                fh,
                sep=sep,
                dtype=object,
                keep_default_na=False,
                na_values=[""],
                encoding="utf-8-sig",
                encoding_errors="surrogateescape",
                chunksize=chunk_size,
            )
            for chunk in reader:
                progress.update_to(fh.tell())
                yield chunk
        except pd.errors.EmptyDataError:
            return
        except (pd.errors.ParserError, ValueError) as exc:
            raise CLIError(f"{src.name}: malformed {fmt} ({_one_line(exc)}); fix the file or export it again") from None


def _read_jsonl(src: _Source, chunk_size: int, progress: _Progress) -> Iterator[pd.DataFrame]:

    from moderation.cli import CLIError
    from moderation.io import frame_from_records
    from moderation.jsonsafe import JSONDepthError, loads_bounded

    assert src.path is not None
    size = src.path.stat().st_size
    records: list[dict[str, Any]] = []
    with open(src.path, "rb") as fh:
        progress.start(src.name, size, "B")
        for lineno, raw in enumerate(fh, start=1):
            line = raw.decode("utf-8", errors="surrogateescape")
            if lineno == 1:
                line = line.removeprefix("\ufeff")
            if not line.strip():
                continue
            try:
                record = loads_bounded(line)
            except JSONDepthError as exc:
                raise CLIError(
                    f"{src.name}, line {lineno}: a JSON value {exc}; flatten the record"
                ) from None
            except json.JSONDecodeError as exc:
                raise CLIError(
                    f"{src.name}, line {lineno}: not valid JSON ({exc.msg}); each line must be one "
                    "JSON object"
                ) from None
            if not isinstance(record, dict):
                raise CLIError(
                    f"{src.name}, line {lineno}: a JSON {type(record).__name__}, not an object; "
                    'each line must be one JSON object such as {"text": "..."}'
                )
            records.append(record)
            if len(records) >= chunk_size:
                progress.update_to(fh.tell())
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
        return _read_csv(src, "\t" if src.kind == "tsv" else ",", chunk_size, progress)
    if src.kind == "jsonl":
        return _read_jsonl(src, chunk_size, progress)
    return _read_parquet(src, chunk_size, progress)


# -------------------------------------------------------------------------- scoring
def row_error(text: Any) -> str | None:
    """Why a text cannot be scored, or None when it can."""
    import pandas as pd

    if text is None or text is pd.NA or (isinstance(text, float) and text != text):
        return "missing text"
    if isinstance(text, bytes) or (isinstance(text, str) and _SURROGATE_RE.search(text)):
        return UNDECODABLE
    if not isinstance(text, str):
        return f"text is {type(text).__name__}, not a string"
    return None


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

    Rows that cannot be scored keep NaN scores, empty flags and a message in ``error``; rows in
    a language the model does not support get NaN scores and False flags (see
    :meth:`moderation.model.Model.score`).
    """
    import numpy as np
    import pandas as pd

    from moderation.api import reasons_for

    texts = chunk[text_col].tolist() if text_col in chunk.columns else [None] * len(chunk)
    errors = [row_error(t) for t in texts]
    ok = np.array([e is None for e in errors], dtype=bool)
    valid = [t for t, good in zip(texts, ok, strict=True) if good]
    out = chunk.copy()
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
            found = reasons_for(model, text, {label: bool(flags[label][i]) for label in LABELS})
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


class _Writer:
    """Writes chunks to a temporary file beside the target (or to stdout) and renames it at the end."""

    def __init__(self, path: str | None):
        from moderation.io import table_format

        self.to_stdout = path in (None, "-")
        self.target = None if self.to_stdout else Path(path)  # type: ignore[arg-type]
        self.fmt = "csv" if self.target is None else table_format(self.target)
        self.columns: list[Any] | None = None
        self.handle: Any = None
        self.tmp: Path | None = None
        self.parquet: Any = None
        self.schema: Any = None
        self.rows = 0

    def _open(self) -> None:
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
        assert self.target is not None
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".tmp")
        self.tmp = Path(name)
        if self.fmt == "parquet":
            os.close(fd)
        else:
            errors = "surrogateescape" if self.fmt in ("csv", "tsv") else "strict"
            self.handle = os.fdopen(fd, "w", encoding="utf-8", errors=errors, newline="")

    def write(self, df: pd.DataFrame, source: str) -> None:
        from moderation.cli import CLIError

        if self.columns is None:
            self._open()
            self.columns = list(df.columns)
            first = True
        else:
            first = False
            extra = [c for c in df.columns if c not in self.columns]
            if extra and self.fmt != "jsonl":
                raise CLIError(
                    f"{source}: has column(s) {', '.join(map(str, extra))} that earlier input lacks; "
                    f"a {self.fmt.upper()} output needs one set of columns: score the inputs "
                    "separately, or write .jsonl"
                )
            if self.fmt != "jsonl":
                df = df.reindex(columns=self.columns)
        if self.fmt in ("csv", "tsv"):
            sep = "\t" if self.fmt == "tsv" else ","
            df = _clean_strings(df, nested=True) if _has_nested(df) else df
            df.to_csv(self.handle, index=False, header=first, sep=sep, lineterminator="\n")
        elif self.fmt == "jsonl":
            self._write_jsonl(_clean_strings(df, nested=False))
        else:
            self._write_parquet(_clean_strings(df, nested=True), source)
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

        if self.parquet is None:
            table = _to_arrow(df, None)
            fields = [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]
            self.schema = pa.schema(fields)
            table = table.cast(self.schema)
            self.parquet = pq.ParquetWriter(self.tmp, self.schema)
        else:
            try:
                table = _to_arrow(df, self.schema)
            except (pa.ArrowException, ValueError, TypeError) as exc:
                raise CLIError(
                    f"{source}: its column types changed part-way ({_one_line(exc)}); a Parquet "
                    "output needs one type per column: write .csv or .jsonl instead"
                ) from None
        self.parquet.write_table(table)

    def commit(self) -> None:
        """Finish the output: an empty table if nothing was written, then rename into place."""
        if self.columns is None:
            import pandas as pd

            self.write(pd.DataFrame(columns=["text", *SCORE_COLUMNS, "error"]), "<empty>")
        if self.to_stdout:
            self.handle.flush()
            if isinstance(self.handle, io.TextIOWrapper) and self.handle is not sys.stdout:
                self.handle.detach()
            return
        if self.parquet is not None:
            self.parquet.close()
        elif self.handle is not None:
            self.handle.close()
        assert self.tmp is not None and self.target is not None
        os.replace(self.tmp, self.target)

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
            elif self.handle is not None:
                self.handle.close()
        except Exception:  # noqa: BLE001 - the run already failed; keep its error
            pass
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)


def _has_nested(df: pd.DataFrame) -> bool:
    for col in df.columns:
        if df[col].dtype == object and any(isinstance(v, (dict, list)) for v in df[col]):
            return True
    return False


def _to_arrow(df: pd.DataFrame, schema: Any) -> Any:
    """Convert to an Arrow table; object columns of mixed types become text."""
    import pyarrow as pa

    try:
        return pa.Table.from_pandas(df, schema=schema, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError):
        df = df.copy(deep=False)
        for col in df.columns:
            if df[col].dtype == object:
                df[col] = df[col].map(lambda v: v if v is None or isinstance(v, str) else str(v))
        return pa.Table.from_pandas(df, schema=schema, preserve_index=False)


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

    progress = _Progress(enabled=not args.no_progress and sys.stderr.isatty())
    writer = _Writer(args.output)
    stats = _Stats()
    try:
        for src in sources:
            _score_source(src, model, thresholds, added, args, writer, stats, progress)
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
) -> None:
    from moderation.cli import CLIError
    from moderation.language import unsupported_counts

    text_col: Any = None
    for chunk in _chunks(src, args.chunk_size, progress):
        if text_col is None:
            columns = list(chunk.columns)
            if src.kind == "page" and chunk.empty:
                return
            text_col = _text_column(columns, args.text_column, src.name)
            clash = [c for c in added if c in columns]
            if clash and not args.overwrite:
                raise CLIError(
                    f"{src.name}: already has column(s) {', '.join(clash)}; pass --overwrite to "
                    "replace them, or rename them first"
                )
        if args.overwrite:
            chunk = chunk.drop(columns=[c for c in added if c in chunk.columns and c != text_col])
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
