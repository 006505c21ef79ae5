"""Command-line interface: ``moderation COMMAND ...``.

Each command lives in its own module exposing ``register(subparsers)``; the module
builds one object from the public API and calls one method on it, so the CLI stays
a thin shell. Heavy imports happen inside the command functions to keep ``--help`` fast.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

#: Command modules, in the order ``moderation --help`` lists them.
COMMAND_MODULES = ("parse", "score", "data", "train", "evaluate", "check", "models", "review", "serve")


class CLIError(Exception):
    """A user-facing error: printed as one line and exits with status 2."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so a command cleans up (temporary files) before it exits."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


def add_output_argument(parser: argparse.ArgumentParser) -> None:
    """The ``-o/--output`` option of commands that write one table."""
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        default=None,
        help="output table: .csv, .tsv, .jsonl or .parquet (default: CSV on stdout)",
    )


def check_output(path: str | None) -> None:
    """Fail early, before any work, when an output file's extension names no known format."""
    if path in (None, "-"):
        return
    from moderation.io import table_format

    try:
        table_format(path)
    except ValueError as exc:
        raise CLIError(str(exc)) from None


def load_model_or_fail(path: str | None) -> Any:
    """Load a model for a command; any reason it cannot be loaded (no card, a legacy pickle, a
    broken card or file, another scikit-learn version, a bad ``models/DEFAULT``) becomes a
    one-line :class:`CLIError` (exit status 2) that says how to fix it."""
    from moderation.model import ModelError, load_model

    try:
        return load_model(path)
    except (FileNotFoundError, IsADirectoryError, PermissionError, ModelError) as exc:
        text = str(exc.args[0]) if len(exc.args) == 1 else str(exc)
        raise CLIError(" ".join(text.split())) from None


#: Optional extras and the packages they add (as pyproject.toml declares them).
EXTRAS = {
    "serve": ("fastapi>=0.110", "uvicorn>=0.29"),
    "report": ("matplotlib>=3.8",),
    "dask": ("dask[dataframe]>=2024.8", "distributed>=2024.8"),
}


def extra_hint(extra: str) -> str:
    """How to install an optional extra, as the README shows it: ``pip install -e ".[serve]"``
    in a source checkout, else its packages by name (the wheel's extra needs the wheel's path)."""
    from moderation.model import source_checkout

    packages = " ".join(f"'{p}'" for p in EXTRAS[extra])
    if source_checkout() is not None:
        return f'install the \'{extra}\' extra with pip install -e ".[{extra}]" (or pip install {packages})'
    return f"install the '{extra}' extra with pip install {packages}"


def _silence_stdout() -> None:
    """Point stdout at /dev/null once its reader has gone, so the interpreter's final flush
    does not print "Exception ignored ... BrokenPipeError" on the way out."""
    import os

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (a test's capture): nothing is flushed at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available sub-command registered."""
    from moderation import __version__

    parser = argparse.ArgumentParser(
        prog="moderation",
        description="Score reader comments for HOSTILE and CONSPIRATORIAL content.",
    )
    parser.add_argument("--version", action="version", version=f"moderation {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"moderation.cli.{name}")
        except ModuleNotFoundError as exc:  # a command still under construction
            if exc.name != f"moderation.cli.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``moderation`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    previous = None
    if threading.current_thread() is threading.main_thread():
        # SIGTERM (kill, a container stopping) cleans up like Ctrl-C instead of leaving
        # temporary files behind; `serve` lets uvicorn install its own handler
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return int(args.func(args) or 0)
    except CLIError as exc:
        print(f"moderation {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `moderation score big.csv | head`: stop quietly, like cat
        _silence_stdout()
        return 0
    except Terminated:
        print("moderation: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("moderation: interrupted", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
