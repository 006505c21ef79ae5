"""``moderation score INPUT... [-o OUT]``: add HOSTILE/CONSPIRATORIAL scores to a table of comments.

A thin shell over :func:`moderation.score_file` (the library does the streaming, bad-row
handling and atomic output) and, with ``--engine dask``, :func:`moderation.dask.score_files`.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from moderation.batch import DEFAULT_CHUNK_SIZE
from moderation.cli import add_output_argument

if TYPE_CHECKING:  # pragma: no cover
    from moderation.batch import ScoreSummary

HELP = "score comments in tables (CSV, TSV, JSONL, Parquet), pages or stdin"
#: As moderation.io.TEXT_CANDIDATES (not imported: --help stays fast without pandas).
_TEXT_CANDIDATES = ("text", "comment", "body", "message", "content")


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
            f"{', '.join(_TEXT_CANDIDATES)} (or named with --text-column), a saved page (.txt, "
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
    p.add_argument(
        "--jobs", type=_positive_int, default=1, metavar="N",
        help="worker processes scoring chunks, each loading the model once (default 1); the "
             "output is the same whatever N is",
    )
    p.add_argument(
        "--engine", choices=("local", "dask"), default="local",
        help="local (default): one output table; dask: score on a Dask cluster (the 'dask' "
             "extra), each input file a partition, into a folder of Parquet parts (-o OUT_DIR)",
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", default=None,
        help="with --engine dask: the scheduler of an existing cluster (tcp://host:8786); "
             "default: a local cluster of --jobs worker processes (one per core when --jobs is 1)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    p.set_defaults(func=run)


@contextmanager
def _warnings_on_stderr() -> Iterator[None]:
    """Print the library's warnings about inputs (a page that looks wrong, a CSV read as
    Windows-1252) as one ``moderation score:`` line each, as they happen."""
    from moderation.io import InputWarning
    from moderation.parse import ParseWarning

    with warnings.catch_warnings():
        warnings.simplefilter("always", ParseWarning)
        warnings.simplefilter("always", InputWarning)
        shown = warnings.showwarning

        def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            if issubclass(category, InputWarning):
                print(f"moderation score: {message}", file=sys.stderr)
            elif issubclass(category, ParseWarning):
                print(f"moderation score: warning: {message}", file=sys.stderr)
            else:
                shown(message, category, *args, **kwargs)

        warnings.showwarning = show
        yield


def run(args: argparse.Namespace) -> int:
    """Score every input into one output table (or, with ``--engine dask``, a folder of Parquet
    parts); print a summary on stderr."""
    from moderation.cli import CLIError
    from moderation.io import TableError
    from moderation.model import ModelError

    thresholds = {label: value for label, value in (
        ("hostile", args.threshold_hostile), ("conspiratorial", args.threshold_conspiratorial),
    ) if value is not None}
    options = dict(model=args.model, text_column=args.text_column, chunk_size=args.chunk_size,
                   explain=args.explain, only_flagged=args.only_flagged, thresholds=thresholds,
                   overwrite=args.overwrite, progress=not args.no_progress and sys.stderr.isatty())
    if args.scheduler is not None and args.engine != "dask":
        raise CLIError("--scheduler goes with --engine dask")
    try:
        with _warnings_on_stderr():
            if args.engine == "dask":
                summary = _run_dask(args, options)
            else:
                from moderation.batch import score_file

                summary = score_file(args.inputs, args.output, jobs=args.jobs, **options)
    except (TableError, ModelError) as exc:
        raise CLIError(" ".join(str(exc).split())) from None
    sys.stderr.write(str(summary))
    return 0


def _run_dask(args: argparse.Namespace, options: dict[str, Any]) -> ScoreSummary:
    """``--engine dask``: :func:`moderation.dask.score_files` into the folder ``-o`` names."""
    from moderation.cli import CLIError, extra_hint

    if args.output in (None, "-"):
        raise CLIError("--engine dask writes a folder of Parquet parts: name it with -o OUT_DIR")
    try:
        from moderation.dask import ClusterError, score_files
    except ImportError as exc:
        raise CLIError(f"--engine dask needs Dask ({exc.name} is missing); {extra_hint('dask')}") from None
    try:
        return score_files(args.inputs, args.output, scheduler=args.scheduler,
                           workers=args.jobs if args.jobs > 1 else None, **options)
    except ClusterError as exc:
        raise CLIError(str(exc)) from None
