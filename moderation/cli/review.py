"""``moderation review INPUT -n 200 -o to_label.csv``: comments worth labelling next."""

from __future__ import annotations

import argparse
from typing import Any

HELP = "pick the comments the model is least sure of, as a labels file to fill in"


def register(subparsers: Any) -> None:
    """Add the ``review`` sub-command."""
    p = subparsers.add_parser("review", help=HELP, description=HELP + " (near its thresholds, no near-copies).")
    p.add_argument("input", metavar="INPUT", help="comments file (CSV, TSV, JSONL, Parquet) or a page")
    p.add_argument("-n", type=int, default=200, help="how many comments to pick (default: 200)")
    p.add_argument("-o", "--output", metavar="OUT", default=None, help="labels file to write (default: CSV on stdout)")
    p.add_argument("--text-column", metavar="NAME", help="column holding the comment text")
    p.add_argument("--model", metavar="PATH", help="model folder (default: the current default model)")
    p.set_defaults(func=run)


TEXT_COLUMNS = ("text", "comment", "body", "message", "content")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from moderation.cli import CLIError, load_model_or_fail
    from moderation.io import read_table, write_table
    from moderation.review import select_for_review

    if args.n < 1:
        raise CLIError(f"-n must be at least 1, not {args.n}")
    path = Path(args.input)
    if not path.is_file():
        raise CLIError(f"{path}: no such file")
    if path.suffix.lower() in (".txt", ".html", ".htm"):
        from moderation.parse import BinaryFileError, PageTooLargeError, parse_comments

        try:
            texts = [c.text for c in parse_comments(path)]
        except (OSError, BinaryFileError, PageTooLargeError) as exc:
            raise CLIError(" ".join(str(exc).split())) from None
        import pandas as pd

        frame = pd.DataFrame({"text": texts})
        column = "text"
    else:
        try:
            frame = read_table(path)
        except (OSError, ValueError) as exc:
            raise CLIError(f"{path}: {exc}") from None
        column = args.text_column or next((c for c in TEXT_COLUMNS if c in frame.columns), None)
        if column is None or column not in frame.columns:
            raise CLIError(f"{path}: no text column; name it with --text-column (columns: {', '.join(map(str, frame.columns))})")
    model = load_model_or_fail(args.model)
    # the output is a labels file: its text column is always called "text"
    picked = select_for_review(frame[column], model, n=args.n)
    extra = [c for c in ("id",) if c in frame.columns]
    for c in extra:
        picked.insert(0, c, frame.loc[picked.index, c].to_numpy())
    write_table(picked.reset_index(drop=True), args.output)
    return 0
