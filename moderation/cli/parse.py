"""``moderation parse PAGE... [-o OUT]``: one table row per reader comment."""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Any

from moderation.cli import add_output_argument

HELP = "extract reader comments from saved pages (HTML or text dumps) into a table"


def register(subparsers: Any) -> None:
    """Add the ``parse`` sub-command to the top-level parser."""
    p = subparsers.add_parser(
        "parse",
        help=HELP,
        description=(
            "Extract the reader comments of saved pages into one table, one row per comment. "
            "Reads wpDiscuz, WordPress, schema.org and legacy Disqus HTML, and plain-text dumps."
        ),
    )
    p.add_argument("pages", nargs="+", metavar="PAGE", help="saved page: .html or a text dump")
    add_output_argument(p)
    p.add_argument(
        "--format",
        dest="fmt",
        choices=("auto", "html", "text"),
        default="auto",
        help="input format (default: detect from content)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Parse every page, print warnings on stderr, write the table."""
    import pandas as pd

    from moderation.cli import CLIError, check_output
    from moderation.io import write_table
    from moderation.parse import COLUMNS, BinaryFileError, PageTooLargeError, parse_comments
    from moderation.parse import ParseWarning as _ParseWarning

    check_output(args.output)

    rows: list[dict[str, Any]] = []
    for page in args.pages:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", _ParseWarning)
            try:
                comments = parse_comments(_as_path(page), fmt=args.fmt)
            except (OSError, BinaryFileError, PageTooLargeError) as exc:
                raise CLIError(_one_line(exc)) from None
        for w in caught:
            if issubclass(w.category, _ParseWarning):
                print(f"moderation parse: warning: {w.message}", file=sys.stderr)
            else:
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)
        rows.extend(c.to_dict() for c in comments)

    df = pd.DataFrame(rows, columns=list(COLUMNS))
    try:
        write_table(df, args.output)
    except BrokenPipeError:  # `moderation parse page.html | head`: the reader left; so do we
        raise
    except OSError as exc:
        raise CLIError(f"cannot write {args.output}: {_one_line(exc)}") from None
    if args.output not in (None, "-"):
        print(f"moderation parse: {len(df)} comments -> {args.output}", file=sys.stderr)
    return 0


def _as_path(page: str) -> Any:
    from pathlib import Path

    return Path(page)


def _one_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if len(exc.args) == 1 else str(exc)
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
        text = f"{exc.filename}: {exc.strerror or text}"
    return " ".join(text.split())
