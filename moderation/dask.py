"""Score comments on a Dask cluster: a ``dask.dataframe``, or files into a folder of Parquet parts.

Needs the ``dask`` extra (``pip install "moderation[dask]"``). Every worker process loads the
model once (:func:`worker_model`, a cache keyed by the model's folder) and scores its
partitions with the same code as :func:`moderation.score_file`, so the scores are the ones a
single process gives.

- :func:`score_dataframe` adds the score columns to a ``dask.dataframe.DataFrame``, partition
  by partition; rows, their order and the index are kept.
- :func:`score_files` (``moderation score --engine dask``) scores each input file as one
  partition on the cluster, streaming it in chunks, into ``OUT_DIR/part-NNNNN.parquet``: one
  part per input, in input order, every part with the same columns and types. No row is
  dropped: a row that cannot be read or scored is kept with its reason in ``error``.

The workers must be able to import ``moderation`` (the same version as the client), read the
model folder (default: their own default model) and, for :func:`score_files`, read the input
files and write the output folder (a shared file system).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

_EXTRA = ('install the \'dask\' extra with pip install "moderation[dask]" (in a source checkout: '
          'pip install -e ".[dask]")')

try:
    import dask.dataframe as dd
    import distributed
except ImportError as exc:  # pragma: no cover - tested with the packages hidden
    raise ImportError(f"moderation.dask needs Dask ({exc.name} is missing); {_EXTRA}",
                      name=exc.name) from exc

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from moderation.batch import ScoreSummary
    from moderation.io import Source
    from moderation.model import Model

__all__ = ["ClusterError", "score_dataframe", "score_files", "worker_model"]

PathLike = str | os.PathLike[str]



class ClusterError(RuntimeError):
    """The Dask scheduler cannot be reached; the message names the address to check."""


_lock = threading.Lock()
#: Per worker process: model folder (None: the default model) -> the loaded model.
_MODELS: dict[str | None, Model] = {}
#: How many times this process loaded a model (tests check it is once per worker).
LOADS = 0


def worker_model(ref: Model | str | None) -> Model:
    """The model for ``ref`` in this process, loaded on first use and kept.

    Parameters
    ----------
    ref : Model, str or None
        A loaded model (used as it is), a model folder, or None for the default model.

    Returns
    -------
    Model
    """
    global LOADS
    from moderation.batch import load_model_checked
    from moderation.model import Model

    if isinstance(ref, Model):
        return ref
    with _lock:
        model = _MODELS.get(ref)
        if model is None:
            model = _MODELS[ref] = load_model_checked(ref)
            LOADS += 1
        return model


def _model_ref(model: Model | PathLike | None) -> Model | str | None:
    """What a task carries to name the model: the folder as an absolute path (a model object
    goes as it is, pickled with the task)."""
    from moderation.model import Model

    if model is None or isinstance(model, Model):
        return model
    return os.path.abspath(os.fspath(model))


# ------------------------------------------------------------------------- dataframes
def _score_partition(df: pd.DataFrame, ref: Model | str | None, text_column: Any,
                     thresholds: dict[str, float] | None, explain: bool) -> pd.DataFrame:
    from moderation.batch import resolve_thresholds, score_chunk

    model = worker_model(ref)
    out = score_chunk(model, df, text_column, resolve_thresholds(model, thresholds), explain=explain)
    for col, kind in _ADDED_TYPES.items():
        if col in out.columns and kind == "string":
            out[col] = out[col].astype("string")  # as the meta says (to_parquet writes it as text)
    return out


#: Dtypes of the columns :func:`score_dataframe` adds.
_ADDED_TYPES = {"hostile_score": "float64", "conspiratorial_score": "float64",
                "hostile_flag": "boolean", "conspiratorial_flag": "boolean",
                "language": "string", "reasons": "string", "error": "string"}


def score_dataframe(
    ddf: dd.DataFrame,
    *,
    model: Model | PathLike | None = None,
    text_column: str = "text",
    thresholds: dict[str, float] | None = None,
    explain: bool = False,
) -> dd.DataFrame:
    """Add the score columns to a Dask DataFrame, partition by partition.

    Each worker process loads the model once and scores every partition it is given with
    it. Rows are neither dropped nor reordered: a row whose text is missing or not a string
    gets no scores and its reason in ``error``; a comment in a language the model does not
    score gets empty scores and no flags.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        The comments, one per row.
    model : Model, str or path-like, optional
        A model folder that every worker can read, or a loaded model (sent with the tasks).
        Default: each worker's default model.
    text_column : str
        The column holding the comment text.
    thresholds : dict, optional
        ``{"hostile": 0.7}``: flag a label at or above this score instead of the model's
        threshold.
    explain : bool
        Add ``reasons``: JSON of the words behind each flagged label (slower).

    Returns
    -------
    dask.dataframe.DataFrame
        ``ddf`` with ``hostile_score``, ``conspiratorial_score`` (float), ``hostile_flag``,
        ``conspiratorial_flag`` (nullable boolean), ``language``, ``reasons`` (with
        ``explain``) and ``error`` (nullable strings) added. Lazy: compute it, or write it with ``to_parquet``.

    Raises
    ------
    ValueError
        When ``text_column`` is not a column of ``ddf``, or a threshold is not a label's
        score between 0 and 1.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from distributed import Client, LocalCluster
    >>> from moderation.dask import score_dataframe
    >>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))  # doctest: +SKIP
    >>> ddf = dd.read_parquet("archive/part-*.parquet")  # doctest: +SKIP
    >>> score_dataframe(ddf, text_column="body").to_parquet("scored/")  # doctest: +SKIP
    """
    import pandas as pd

    from moderation.batch import added_columns, check_thresholds
    from moderation.io import READ_ERROR

    if text_column not in ddf.columns:
        shown = ", ".join(map(str, list(ddf.columns)[:20]))
        raise ValueError(f"no column {text_column!r} in the dataframe; pass text_column= one of: {shown}")
    thresholds = check_thresholds(thresholds) or None
    meta = ddf._meta.drop(columns=[READ_ERROR], errors="ignore").copy()
    for col in added_columns(explain):
        meta[col] = pd.Series(dtype=_ADDED_TYPES[col])
    return ddf.map_partitions(_score_partition, _model_ref(model), text_column, thresholds, explain,
                              meta=meta)


# ------------------------------------------------------------------------------ files
def _score_part(src: Source, text_col: Any, path: str, columns: list[Any], types: dict[Any, Any],
                ref: Model | str | None, limits: dict[str, float], options: dict[str, Any],
                languages: tuple[str, ...]) -> ScoreSummary:
    """On a worker: stream one input through the scorer into one Parquet part."""
    from moderation.batch import ScoreSummary, _Scorer, score_sources
    from moderation.io import Progress, TableWriter

    explain = options["explain"]
    writer = TableWriter(path, columns, types, json_columns=("reasons",) if explain else ())
    summary = ScoreSummary(output=path, languages=languages)
    try:
        score_sources([src], {src.name: text_col}, writer, summary,
                      _Scorer(worker_model(ref), limits, explain), chunk_size=options["chunk_size"],
                      added=options["added"], only_flagged=options["only_flagged"],
                      progress=Progress(False))
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return summary


def score_files(
    inputs: PathLike | Sequence[PathLike],
    out_dir: PathLike,
    *,
    scheduler: str | distributed.Client | None = None,
    workers: int | None = None,
    model: Model | PathLike | None = None,
    text_column: str | None = None,
    chunk_size: int | None = None,
    explain: bool = False,
    only_flagged: bool = False,
    thresholds: dict[str, float] | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> ScoreSummary:
    """Score files on a Dask cluster into a folder of Parquet parts, one part per input file.

    Each input (CSV, TSV, JSONL, Parquet or a saved page; a pattern such as
    ``"archive/part-*.parquet"`` is expanded) is one task: a worker streams it in chunks,
    scores them with the model it loaded once, and writes ``out_dir/part-NNNNN.parquet``
    (numbered in input order) through a temporary file. Every part has the same columns and
    types (those of all inputs, then the score columns), so the folder reads back as one
    table. Rows in equal rows out (unless ``only_flagged``): a row that cannot be read or
    scored is written with its reason in ``error``. If any part fails, the parts this run
    wrote are removed.

    Parameters
    ----------
    inputs : str, path-like, or a sequence of them
        Input files or patterns, readable by every worker at the same path.
    out_dir : str or path-like
        The output folder, writable by every worker; created if missing. It must not hold
        Parquet files already.
    scheduler : str or distributed.Client, optional
        An existing cluster: its scheduler's address (``"tcp://10.0.0.5:8786"``) or a
        connected client. Default: a local cluster of ``workers`` processes, closed at the end.
    workers : int, optional
        Worker processes of the local cluster (one thread each). Default: one per core.
    model, text_column, explain, only_flagged, thresholds, overwrite
        As for :func:`moderation.score_file`. ``model`` must be readable by every worker
        (default: each worker's default model).
    chunk_size : int, optional
        Rows a worker reads and scores at a time (default: as :func:`moderation.score_file`).
    progress : bool
        Show a progress bar of finished parts on standard error.

    Returns
    -------
    ScoreSummary
        Summed over the parts; ``output`` is ``out_dir``.

    Raises
    ------
    moderation.io.TableError
        For an input that cannot be read, or an output folder that holds Parquet files.
    moderation.model.ModelError
        When the model cannot be loaded.
    ClusterError
        When the scheduler at ``scheduler`` cannot be reached.
    """
    from tqdm import tqdm

    from moderation.batch import DEFAULT_CHUNK_SIZE, ScoreSummary, input_names, prepare
    from moderation.io import TableError

    names = input_names(inputs)
    if "-" in names:
        raise TableError("'-' (stdin) cannot be scored on a cluster; save it to a file first")
    ref = _model_ref(model)
    run = prepare(names, ref, text_column=text_column, explain=explain, thresholds=thresholds,
                  overwrite=overwrite)
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise TableError(f"{folder}: is a file; --engine dask writes a folder of Parquet parts, "
                         "name a folder with -o")
    existing = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if existing:
        raise TableError(f"{folder}: already holds {len(existing)} Parquet file(s) "
                         f"({existing[0].name}, ...); choose an empty folder or remove them")
    folder.mkdir(parents=True, exist_ok=True)
    options = {"explain": explain, "only_flagged": only_flagged, "added": run.added,
               "chunk_size": chunk_size or DEFAULT_CHUNK_SIZE}
    parts = [str(folder / f"part-{i:05d}.parquet") for i in range(len(run.sources))]
    languages = run.languages

    client, owned = _connect(scheduler, workers)
    futures: list[Any] = []
    summary = ScoreSummary(output=str(folder), languages=languages)
    try:
        futures = [
            client.submit(_score_part, src, run.text_cols.get(src.name), part, run.columns,
                          run.layout.types, ref, run.thresholds, options, languages, pure=False)
            for src, part in zip(run.sources, parts, strict=True)
        ]
        with tqdm(total=len(futures), desc="parts", unit="part", file=sys.stderr,
                  disable=not progress, leave=False) as bar:
            for future in distributed.as_completed(futures):
                summary.add(future.result())
                bar.update(1)
    except BaseException:
        client.cancel(futures)
        for part in parts:
            Path(part).unlink(missing_ok=True)
        raise
    finally:
        for thing in owned:  # what this call opened: the client, then a local cluster
            thing.close()
    return summary


def _connect(scheduler: str | distributed.Client | None,
             workers: int | None) -> tuple[distributed.Client, list[Any]]:
    """A client of the given cluster, or of a new local one, and what to close at the end
    (nothing for a client the caller passed)."""
    if isinstance(scheduler, distributed.Client):
        return scheduler, []
    if scheduler is not None:
        try:
            client = distributed.Client(scheduler, timeout="30s")
        except OSError as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); check the "
                             "address (tcp://HOST:8786) and that the scheduler is running") from None
        return client, [client]
    import logging

    cluster = distributed.LocalCluster(
        n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
        dashboard_address=":0", silence_logs=logging.ERROR,  # any free port
    )
    client = distributed.Client(cluster)
    return client, [client, cluster]
