"""``moderation models list|use NAME|rollback|convert PATH``: manage model versions."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

HELP = "list model versions, choose the default, roll back, or convert a legacy pickled model"


def register(subparsers: Any) -> None:
    """Add the ``models`` sub-command and its actions."""
    p = subparsers.add_parser("models", help=HELP, description=HELP + ".")
    p.add_argument("--models-dir", metavar="DIR", help="models folder (default: $MODERATION_MODELS or models/)")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("list", help="versions, dates, key metrics and which is the default")
    use = sub.add_parser("use", help="make version NAME the default")
    use.add_argument("name", metavar="NAME")
    sub.add_parser("rollback", help="go back to the previous default")
    convert = sub.add_parser(
        "convert",
        help="convert a legacy model folder (pickled model.joblib) to the pickle-free format",
        description=(
            "Convert a model folder saved by an earlier version (a pickled model.joblib) to the "
            "pickle-free format (pipeline.json + pipeline.npz), which loads without running code. "
            "Reading the pickle runs whatever code it holds: convert only a file you trust (one you "
            "trained, or the one shipped with this repository). The converted pipeline must give "
            "exactly the pickled one's scores, or nothing is changed."
        ),
    )
    convert.add_argument("path", metavar="PATH", help="model folder, or a version name in the models folder")
    convert.add_argument("--keep-legacy", action="store_true",
                         help="keep model.joblib beside the new files (it is never loaded)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from moderation.cli import CLIError
    from moderation.model import ModelError
    from moderation.registry import ModelRegistry

    registry = ModelRegistry(args.models_dir)
    try:
        if args.action == "list":
            rows = registry.list()
            if not rows:
                print(f"no model versions in {registry.root}")
            for r in rows:
                f1 = "  ".join(
                    f"{k.split('_')[0]} F1 {r[k]:.3f}" for k in ("hostile_f1", "conspiratorial_f1") if r[k] is not None
                )
                mark = "*" if r["default"] else " "
                note = "  (failed the gate)" if r["gate"] is False else ""
                print(f"{mark} {r['name']:<32} {r['created']:<26} {r['size_mb']:>5} MB  {f1}{note}".rstrip())
        elif args.action == "use":
            registry.use(args.name)
            print(f"default model is now {args.name}")
        elif args.action == "convert":
            _convert(args, registry)
        else:
            print(f"default model is now {registry.rollback()}")
    except (FileNotFoundError, LookupError, ModelError) as exc:
        raise CLIError(_message(exc)) from None
    return 0


def _convert(args: argparse.Namespace, registry: Any) -> None:
    from moderation.model import convert_legacy_model, read_card

    folder = Path(args.path)
    if not folder.exists():
        folder = registry.path(args.path)
    done = convert_legacy_model(folder, keep_legacy=args.keep_legacy)
    size = read_card(done).get("model_bytes", 0) / 1e6
    kept = "kept" if args.keep_legacy else "removed"
    print(f"converted {done}: pipeline.json + pipeline.npz ({size:.1f} MB), same scores as the "
          f"pickle; model.joblib {kept}")


def _message(exc: BaseException) -> str:
    """The exception's own message (a KeyError or FileNotFoundError adds no quotes of its own)."""
    text = str(exc.args[0]) if len(exc.args) == 1 else str(exc)
    return " ".join(text.split())
