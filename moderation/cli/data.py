"""``moderation data build``: build the unified training table and its dataset card."""

from __future__ import annotations

import argparse
import time


def register(subparsers) -> None:
    """Add the ``data`` command (sub-command ``build``) to the top-level parser."""
    parser = subparsers.add_parser(
        "data", help="build the training dataset from the corpora and our own comments",
        description="Work with the training data.")
    sub = parser.add_subparsers(dest="data_command", metavar="SUBCOMMAND")
    build = sub.add_parser(
        "build", help="merge all corpora into one table (+ dataset card)",
        description="Read every corpus adapter and our own comments, merge duplicates, assign "
                    "deterministic splits and write the table plus <stem>.card.md beside it.")
    build.add_argument(
        "--corpora", metavar="PATH", default=None,
        help="corpus folder (default: $MODERATION_CORPORA, else ../shared/data next to the repo)")
    build.add_argument(
        "-o", "--output", metavar="FILE", default="build/dataset.parquet",
        help="output table, .parquet or .csv (default: %(default)s)")
    build.add_argument(
        "--own-comments", metavar="PATH", default=None,
        help="folder (or CSV) of our own labelled comments (default: the shipped ones)")
    build.add_argument(
        "--commercial-safe", action="store_true",
        help="leave out sources whose licence is non-commercial or unknown")
    build.set_defaults(func=_build)
    parser.set_defaults(func=lambda args: parser.print_help() or 0)


def _build(args: argparse.Namespace) -> int:
    import warnings

    from moderation.cli import CLIError
    from moderation.dataset import (
        CorpusFormatError,
        DatasetWarning,
        build_dataset,
        write_dataset,
    )

    def show_warning(message, category, filename, lineno, file=None, line=None):
        print(f"warning: {message}", flush=True)

    started = time.perf_counter()
    if not args.output.endswith((".parquet", ".csv")):
        raise CLIError(f"output {args.output!r} must end in .parquet or .csv")
    with warnings.catch_warnings():
        warnings.simplefilter("always", DatasetWarning)
        warnings.showwarning = show_warning
        try:
            df = build_dataset(args.corpora, commercial_safe=args.commercial_safe,
                               own_comments=args.own_comments, log_line=print)
        except CorpusFormatError as exc:
            raise CLIError(str(exc)) from exc
    digest = write_dataset(df, args.output)
    card = args.output.rsplit(".", 1)[0] + ".card.md"
    print(f"wrote {args.output} ({len(df)} rows) and {card}; sha256 {digest[:16]}; "
          f"{time.perf_counter() - started:.1f}s")
    return 0
