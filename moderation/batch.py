"""Batch scoring of comment files: :func:`score_file`, what ``moderation score`` runs.

Inputs are streamed in chunks (see :mod:`moderation.io`), so a file of any size is scored in
bounded memory. No row is dropped: a row that cannot be read or scored (a CSV line with extra
cells, a JSONL line that is not an object, a missing text) is kept with an ``error`` column;
only a file that cannot be read at all stops the run with a :class:`moderation.io.TableError`.
The columns of every input are found before scoring (:func:`plan`), so every chunk is written
with the same columns and types. The output is written to a temporary file beside the target
and renamed at the end, so a failed run never replaces an existing file with a partial one.

With ``jobs`` above 1, chunks are scored in worker processes that each load the model once;
chunks are read and written in the calling process in input order, so the output is the same,
byte for byte, whatever ``jobs`` is.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import Future

    import pandas as pd

    from moderation.io import Layout, Progress, Source, TableWriter
    from moderation.model import Model

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "LABELS",
    "SCORE_COLUMNS",
    "Prepared",
    "ScoreSummary",
    "added_columns",
    "check_thresholds",
    "input_names",
    "load_model_checked",
    "plan",
    "prepare",
    "resolve_thresholds",
    "row_error",
    "score_chunk",
    "score_file",
    "score_sources",
]

DEFAULT_CHUNK_SIZE = 10_000
LABELS = ("hostile", "conspiratorial")
SCORE_COLUMNS = (
    "hostile_score", "conspiratorial_score", "hostile_flag", "conspiratorial_flag", "language",
)
UNDECODABLE = "text is not valid UTF-8; re-save the file as UTF-8"
_SURROGATE_RE = re.compile("[\ud800-\udfff]")

PathLike = str | os.PathLike[str]


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


def added_columns(explain: bool) -> list[str]:
    """The columns scoring adds, in order: the scores, flags, ``language``, ``reasons`` (with
    ``explain``) and ``error``."""
    return [*SCORE_COLUMNS, *(["reasons"] if explain else []), "error"]


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
    the reader could not read carries its reason in the internal
    :data:`moderation.io.READ_ERROR` column); rows in a language the model does not support get
    NaN scores and False flags (see :meth:`moderation.model.Model.score`).

    Parameters
    ----------
    model : Model
        The model to score with.
    chunk : pandas.DataFrame
        Rows to score; its index is kept.
    text_col : hashable
        The column holding the text (every row is "missing text" when it is absent).
    thresholds : dict
        ``{label: threshold}`` for every label in :data:`LABELS`.
    explain : bool
        Add ``reasons``: JSON of the words behind each flagged label.

    Returns
    -------
    pandas.DataFrame
    """
    import numpy as np
    import pandas as pd

    from moderation.api import reasons_for
    from moderation.io import READ_ERROR

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


def check_thresholds(thresholds: dict[str, float] | None) -> dict[str, float]:
    """``thresholds`` as floats, checked.

    Raises
    ------
    ValueError
        For a label the model does not have, or a threshold outside 0-1.
    """
    out: dict[str, float] = {}
    for label, value in (thresholds or {}).items():
        if label not in LABELS:
            raise ValueError(f"no label {label!r} in thresholds; use {' or '.join(LABELS)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            raise ValueError(f"thresholds[{label!r}] = {value!r}; give a score between 0 and 1")
        out[label] = float(value)
    return out


def resolve_thresholds(model: Model | dict[str, float],
                       thresholds: dict[str, float] | None) -> dict[str, float]:
    """The model's thresholds (or ``model`` itself, a dict of them) with those given in
    ``thresholds`` put in their place (checked by :func:`check_thresholds`)."""
    own = model if isinstance(model, dict) else model.thresholds
    return {**own, **check_thresholds(thresholds)}


# -------------------------------------------------------------------------- summary
@dataclass
class ScoreSummary:
    """What a :func:`score_file` run did; ``str(summary)`` is the summary ``moderation score``
    prints.

    Attributes
    ----------
    output : str
        Where the rows went: the output path, or ``"stdout"``.
    rows_in : int
        Rows read from the inputs (every one, including rows with errors).
    rows_out : int
        Rows written (fewer than ``rows_in`` only with ``only_flagged``).
    scored : int
        Rows given scores (rows in an unsupported language and rows with errors are not).
    errors : int
        Rows that could not be read or scored; each is written with its reason in ``error``.
    flagged : dict
        ``{label: rows flagged}``.
    unsupported : collections.Counter
        Rows left unscored per language the model does not support (``{"de": 3}``).
    languages : tuple of str
        The languages the model scores.
    """

    output: str = "stdout"
    rows_in: int = 0
    rows_out: int = 0
    scored: int = 0
    errors: int = 0
    flagged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    unsupported: Counter[str] = field(default_factory=Counter)
    languages: tuple[str, ...] = ("en",)

    @property
    def not_scored_language(self) -> int:
        """Rows left unscored because of their language (for the English-only model: the
        non-English rows)."""
        return sum(self.unsupported.values())

    def add(self, other: ScoreSummary) -> None:
        """Add the counts of ``other`` (another part of the same run) to these."""
        self.rows_in += other.rows_in
        self.rows_out += other.rows_out
        self.scored += other.scored
        self.errors += other.errors
        for label, n in other.flagged.items():
            self.flagged[label] = self.flagged.get(label, 0) + n
        self.unsupported.update(other.unsupported)

    def count(self, scored: pd.DataFrame, *, only_flagged: bool) -> pd.DataFrame:
        """Count one scored chunk (from :func:`score_chunk`); return the rows to write."""
        from moderation.language import unsupported_counts

        bad = scored["error"].notna().to_numpy()
        unsupported = unsupported_counts(scored["language"], self.languages)
        self.rows_in += len(scored)
        self.errors += int(bad.sum())
        self.scored += int((~bad).sum()) - sum(unsupported.values())
        self.unsupported.update(unsupported)
        any_flag = None
        for label in LABELS:
            flag = scored[f"{label}_flag"].fillna(False).to_numpy(dtype=bool)
            self.flagged[label] += int(flag.sum())
            any_flag = flag if any_flag is None else any_flag | flag
        if only_flagged:
            scored = scored[any_flag | bad]
        self.rows_out += len(scored)
        return scored

    def lines(self) -> list[str]:
        """The summary as lines (each ending in a newline)."""
        from moderation.language import describe_unsupported

        out = [
            f"moderation score: {self.scored:,} rows scored, {self.flagged['hostile']:,} flagged "
            f"HOSTILE, {self.flagged['conspiratorial']:,} flagged CONSPIRATORIAL, "
            f"{self.errors:,} rows with errors -> {self.output}\n"
        ]
        if self.unsupported:
            out.append(
                f"moderation score: {describe_unsupported(self.unsupported)} (the model scores "
                f"{', '.join(self.languages)} only)\n"
            )
        return out

    def __str__(self) -> str:
        return "".join(self.lines())


# ----------------------------------------------------------------------------- plan
def plan(
    sources: list[Source], text_column: str | None, added: list[str], *, overwrite: bool = False
) -> tuple[Layout, dict[str, Any]]:
    """The layout of all inputs and each input's text column; refuses, before any scoring, an
    input whose columns clash with the added ones (unless ``overwrite``).

    Raises
    ------
    moderation.io.TableError
        For an input without the text column, or one that already has score columns.
    """
    import pyarrow as pa

    from moderation.io import Layout, TableError, find_text_column, source_layout

    layout = Layout()
    text_cols: dict[str, Any] = {}
    for src in sources:
        columns, types = source_layout(src)
        if src.kind != "page" or columns:
            if columns or src.kind not in ("csv", "tsv"):
                text_cols[src.name] = find_text_column(columns, text_column, src.name)
        clash = [c for c in added if c in columns and c != text_cols.get(src.name)]
        if clash and not overwrite:
            raise TableError(
                f"{src.name}: already has column(s) {', '.join(map(str, clash))}; pass --overwrite "
                "(overwrite=True in Python) to replace them, or rename them first"
            )
        kept = [c for c in columns if c not in added or c == text_cols.get(src.name)]
        layout.add(src.name, kept, types)
    score_types = {"hostile_score": pa.float64(), "conspiratorial_score": pa.float64(),
                   "hostile_flag": pa.bool_(), "conspiratorial_flag": pa.bool_(),
                   "language": pa.string(), "reasons": pa.string(), "error": pa.string()}
    for col in added:
        layout.types[col] = score_types[col]
    return layout, text_cols


@dataclass
class Prepared:
    """A run checked and planned before any scoring (see :func:`prepare`)."""

    sources: list[Source]
    #: The loaded model; None when :func:`prepare` was asked only to check it.
    model: Model | None
    #: The thresholds in force: the model's, with the caller's in their place.
    thresholds: dict[str, float]
    #: The languages the model scores.
    languages: tuple[str, ...]
    #: The columns scoring adds (:func:`added_columns`).
    added: list[str]
    layout: Layout
    #: Per input name: its text column.
    text_cols: dict[str, Any]

    @property
    def columns(self) -> list[Any]:
        """The output columns: every input column, then the added ones."""
        return [*(self.layout.union() or ["text"]), *self.added]


def prepare(names: list[str], model_ref: Model | str | None, *, text_column: str | None,
            explain: bool, thresholds: dict[str, float] | None, overwrite: bool,
            load: bool = True) -> Prepared:
    """Everything that can fail before scoring, checked in this order: the inputs (patterns
    expanded, kinds found), the model, the thresholds, and the plan (text columns, clashes).
    With ``load=False`` a model folder is checked (:func:`moderation.model.check_model`) but
    not loaded: for a run whose worker processes load it themselves.

    Raises
    ------
    moderation.io.TableError, moderation.model.ModelError, ValueError
        As :func:`score_file` documents.
    """
    from moderation.io import classify_input, expand_inputs
    from moderation.language import supported_languages
    from moderation.model import Model

    sources = [classify_input(name) for name in expand_inputs(names)]
    loaded: Model | None = None
    if load or isinstance(model_ref, Model):
        loaded = load_model_checked(model_ref)
        own, card = loaded.thresholds, loaded.card
    else:
        own, card = check_model_checked(model_ref)
    limits = resolve_thresholds(own, thresholds)
    added = added_columns(explain)
    layout, text_cols = plan(sources, text_column, added, overwrite=overwrite)
    return Prepared(sources, loaded, limits, supported_languages(card), added, layout, text_cols)


def input_names(source: PathLike | Sequence[PathLike]) -> list[str]:
    """One input or several, as a list of names."""
    return [str(source)] if isinstance(source, (str, os.PathLike)) else [str(s) for s in source]


# ------------------------------------------------------------------------ scorers
_WORKER: dict[str, Any] = {}


def _worker_init(model: Model | str, explain: bool) -> None:
    """In a worker process: load the model once (or take the one sent), for every chunk. A
    model that fails to load is kept as the error every chunk then raises."""
    import signal

    from moderation.model import ModelError

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        _WORKER.update(model=load_model_checked(model), explain=explain)
    except ModelError as exc:
        _WORKER.update(error=exc)


def _worker_ready() -> None:
    """A task that makes a worker start (and load its model) before the first chunk."""


def _worker_score(chunk: pd.DataFrame, text_col: Any, thresholds: dict[str, float]) -> pd.DataFrame:
    if "error" in _WORKER:
        raise _WORKER["error"]
    return score_chunk(_WORKER["model"], chunk, text_col, thresholds, explain=_WORKER["explain"])


class _Scorer:
    """Scores chunks in this process; :meth:`submit` returns the scored chunk."""

    #: Chunks submitted but not yet taken back, at the most.
    window = 0

    def __init__(self, model: Model, thresholds: dict[str, float], explain: bool) -> None:
        self.model, self.thresholds, self.explain = model, thresholds, explain

    def submit(self, chunk: pd.DataFrame, text_col: Any) -> Any:
        return score_chunk(self.model, chunk, text_col, self.thresholds, explain=self.explain)

    def close(self, *, cancel: bool = False) -> None:
        pass


class _PoolScorer(_Scorer):
    """Scores chunks in ``jobs`` worker processes; :meth:`submit` returns a future. The workers
    start, and load the model, as soon as it is made: while this process reads the first
    chunks, not after."""

    def __init__(self, model_ref: Model | str, thresholds: dict[str, float], explain: bool,
                 jobs: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self.thresholds = thresholds
        self.window = 2 * jobs  # every worker busy, one chunk each waiting: bounded memory
        self.pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context(method),
            initializer=_worker_init, initargs=(model_ref, explain),
        )
        for _ in range(jobs):  # one process is started per task while none is idle
            self.pool.submit(_worker_ready)

    def submit(self, chunk: pd.DataFrame, text_col: Any) -> Future[pd.DataFrame]:
        return self.pool.submit(_worker_score, chunk, text_col, self.thresholds)

    def close(self, *, cancel: bool = False) -> None:
        self.pool.shutdown(wait=True, cancel_futures=cancel)


def check_model_checked(model: PathLike | None) -> tuple[dict[str, float], dict[str, Any]]:
    """The thresholds and card of the model folder ``model`` (None: the default model), checked
    as :func:`load_model_checked` checks them but without loading the model.

    Raises
    ------
    moderation.model.ModelError
        As :func:`load_model_checked` does.
    """
    from moderation.model import check_model

    try:
        _, card, thresholds = check_model(model)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise _model_error(exc) from exc
    return thresholds, card


def _model_error(exc: OSError) -> Exception:
    from moderation.model import ModelError

    text = str(exc.args[0]) if len(exc.args) == 1 else str(exc)
    return ModelError(" ".join(text.split()))


def load_model_checked(model: Model | PathLike | None) -> Model:
    """``model`` itself, or the model loaded from its folder (None: the default model).

    Raises
    ------
    moderation.model.ModelError
        When it cannot be loaded (no model there, a broken card or file, another scikit-learn
        version); the message says how to fix it.
    """
    from moderation.model import Model, load_model

    if isinstance(model, Model):
        return model
    try:
        return load_model(model)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise _model_error(exc) from exc


# ------------------------------------------------------------------------------ run
def score_sources(
    sources: list[Source],
    text_cols: dict[str, Any],
    writer: TableWriter,
    summary: ScoreSummary,
    scorer: _Scorer,
    *,
    chunk_size: int,
    added: list[str],
    only_flagged: bool,
    progress: Progress,
) -> None:
    """Read, score and write every input in order, chunk by chunk, counting into ``summary``.
    With a pool, up to ``scorer.window`` chunks are scored at once; they are written in the
    order they were read."""
    from concurrent.futures import Future

    pending: deque[tuple[str, Any]] = deque()

    def take() -> None:
        name, result = pending.popleft()
        scored = result.result() if isinstance(result, Future) else result
        writer.write(summary.count(scored, only_flagged=only_flagged), name)

    for src in sources:
        text_col = text_cols.get(src.name)
        for chunk in _chunks(src, chunk_size, progress):
            drop = [c for c in added if c in chunk.columns and c != text_col]
            if drop:  # only with overwrite (plan refuses a clash otherwise)
                chunk = chunk.drop(columns=drop)
            pending.append((src.name, scorer.submit(chunk, text_col)))
            while len(pending) > scorer.window:
                take()
    while pending:
        take()


def _chunks(src: Source, chunk_size: int, progress: Progress) -> Any:
    from moderation.io import read_chunks

    for chunk in read_chunks(src, chunk_size, progress):
        if src.kind == "page" and chunk.empty:
            return
        yield chunk


def score_file(
    source: PathLike | Sequence[PathLike],
    output: PathLike | None = None,
    *,
    model: Model | PathLike | None = None,
    text_column: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    jobs: int = 1,
    explain: bool = False,
    only_flagged: bool = False,
    thresholds: dict[str, float] | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> ScoreSummary:
    """Score every comment of one or more files into one output table, in bounded memory.

    The output keeps every input column and adds ``hostile_score``, ``conspiratorial_score``,
    ``hostile_flag``, ``conspiratorial_flag``, ``language``, ``reasons`` (with ``explain``) and
    ``error``. No row is dropped: a row that cannot be read or scored is written with its
    reason in ``error`` and no scores. Comments in a language the model does not score get
    empty scores and no flags. The output is written to a temporary file and renamed into
    place at the end, so a failed run leaves an existing output as it was.

    Parameters
    ----------
    source : str, path-like, or a sequence of them
        Tables (``.csv``, ``.tsv``, ``.jsonl``/``.ndjson``, ``.parquet``/``.pq``), saved pages
        (``.txt``, ``.html``: parsed into comments first), or ``"-"`` for one comment per line
        on standard input. A pattern such as ``"archive/part-*.csv"`` is expanded. Several
        inputs go into one output, one after the other.
    output : str or path-like, optional
        The output table; its extension chooses the format (as for the inputs). None or
        ``"-"`` writes CSV to standard output.
    model : Model, str or path-like, optional
        A loaded model or a model folder. Default: the default model.
    text_column : str, optional
        The column holding the comment text. Default: the first of ``text``, ``comment``,
        ``body``, ``message``, ``content`` found (case-insensitively).
    chunk_size : int
        Rows read and scored at a time; bounds memory use.
    jobs : int
        Worker processes scoring chunks (each loads the model once). 1 scores in this process.
        The output is the same, byte for byte, whatever ``jobs`` is.
    explain : bool
        Add a ``reasons`` column: the words behind each flagged label (slower).
    only_flagged : bool
        Write only rows flagged for at least one label (rows with errors are kept too).
    thresholds : dict, optional
        ``{"hostile": 0.7}``: flag a label at or above this score instead of the model's
        threshold.
    overwrite : bool
        Replace score columns an input already has instead of refusing it.
    progress : bool
        Show a progress bar on standard error.

    Returns
    -------
    ScoreSummary
        Rows in and out, rows scored, flagged per label, rows with errors, and rows left
        unscored per unsupported language.

    Raises
    ------
    moderation.io.TableError
        For an input that cannot be read (missing, empty, malformed, no text column, score
        columns already there, ``"-"`` given twice), an unknown output extension, or a value
        the output format cannot hold; nothing is written.
    moderation.model.ModelError
        When the model cannot be loaded.
    ValueError
        For a bad threshold, or ``jobs`` or ``chunk_size`` below 1.

    Warns
    -----
    moderation.io.InputWarning
        For a CSV file read as Windows-1252 because it is not UTF-8.

    Notes
    -----
    With ``jobs`` above 1 the workers are started by multiprocessing's forkserver (spawn where
    there is none), which imports the calling script again: guard a script's top level with
    ``if __name__ == "__main__":``, and do not feed the script on standard input.

    Examples
    --------
    >>> import moderation
    >>> summary = moderation.score_file("comments.csv", "scored.parquet")  # doctest: +SKIP
    >>> summary.rows_in, summary.flagged["hostile"]  # doctest: +SKIP
    (10000, 312)
    """
    from moderation.io import Progress, TableError, TableWriter, table_format
    from moderation.model import Model, default_model_path

    names = input_names(source)
    out = None if output is None or str(output) == "-" else str(output)
    if out is not None:
        try:
            table_format(out)  # an unknown extension fails before any work
        except ValueError as exc:
            raise TableError(str(exc)) from None
    if names.count("-") > 1:
        raise TableError("'-' (stdin) can be given only once")
    for name, value in (("jobs", jobs), ("chunk_size", chunk_size)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
    model_ref: Model | str = model if isinstance(model, Model) else str(
        Path(model) if model is not None else default_model_path())
    run = prepare(names, model_ref, text_column=text_column, explain=explain,
                  thresholds=thresholds, overwrite=overwrite, load=jobs == 1)

    bar = Progress(enabled=progress)
    writer = TableWriter(out, run.columns, run.layout.types,
                         json_columns=("reasons",) if explain else ())
    summary = ScoreSummary(output="stdout" if out is None else out, languages=run.languages)
    scorer = (_Scorer(run.model, run.thresholds, explain) if run.model is not None and jobs == 1
              else _PoolScorer(model_ref, run.thresholds, explain, jobs))
    try:
        score_sources(run.sources, run.text_cols, writer, summary, scorer, chunk_size=chunk_size,
                      added=run.added, only_flagged=only_flagged, progress=bar)
        bar.close()
        writer.commit()
    except BaseException:
        bar.close()
        scorer.close(cancel=True)
        writer.abort()
        raise
    scorer.close()
    return summary

