"""``moderation models list|use NAME|rollback|convert PATH``: manage model versions."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

HELP = "list model versions, choose the default, roll back, or convert a legacy pickled model"
MODELS_DIR_HELP = ("your models folder (default: $MODERATION_MODELS, else models/ in a source "
                   "checkout, else the per-user data folder)")


def register(subparsers: Any) -> None:
    """Add the ``models`` sub-command and its actions."""
    p = subparsers.add_parser("models", help=HELP, description=HELP + ".")
    p.add_argument("--models-dir", metavar="DIR", help=MODELS_DIR_HELP)
    # --models-dir is accepted after the action too (`models list --models-dir X`); SUPPRESS
    # keeps an absent one from hiding the one given before the action
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument("--models-dir", metavar="DIR", default=argparse.SUPPRESS, help=MODELS_DIR_HELP)
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser(
        "list", parents=[after],
        help="versions, dates, key metrics and which is the default",
        description=(
            "List the model versions: your own (in the models folder) and the shipped, read-only "
            "ones, with the date each was trained, its size, its F1 on our comments' validation "
            "split, and a * before the default."
        ),
    )
    use = sub.add_parser(
        "use", parents=[after],
        help="make version NAME the default",
        description=(
            "Make version NAME (your own or a shipped one) the default model that score, serve, "
            "check and evaluate load. The previous default is remembered for `models rollback`."
        ),
    )
    use.add_argument("name", metavar="NAME", help="a version name, as `moderation models list` shows it")
    sub.add_parser(
        "rollback", parents=[after],
        help="go back to the previous default",
        description=(
            "Make the previous default model the default again (each `models use` and each "
            "promotion by `train` remembers the one it replaced)."
        ),
    )
    convert = sub.add_parser(
        "convert", parents=[after],
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

    registry = ModelRegistry(args.models_dir, shipped=True)
    try:
        if args.action == "list":
            rows = registry.list()
            if not any(not r["shipped"] for r in rows):
                print(f"no model versions of your own in {registry.root}")
            for r in rows:
                f1 = "  ".join(
                    f"{k.split('_')[0]} F1 {r[k]:.3f}" for k in ("hostile_f1", "conspiratorial_f1") if r[k] is not None
                )
                mark = "*" if r["default"] else " "
                note = ""
                if r["gate"] is False:
                    note = ("  (gate overridden with --force: reasons in model.json)" if r["forced"]
                            else "  (failed the gate)")
                note += "  (shipped, read-only)" if r["shipped"] else ""
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
    except PermissionError as exc:
        raise CLIError(f"cannot write to the models folder {registry.root}: {exc.strerror}; "
                       "choose another with --models-dir or $MODERATION_MODELS") from None
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
