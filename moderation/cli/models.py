"""``moderation models list|use NAME|rollback``: manage model versions."""

from __future__ import annotations

import argparse
from typing import Any

HELP = "list model versions, choose the default, or roll back to the previous default"


def register(subparsers: Any) -> None:
    """Add the ``models`` sub-command and its actions."""
    p = subparsers.add_parser("models", help=HELP, description=HELP + ".")
    p.add_argument("--models-dir", metavar="DIR", help="models folder (default: $MODERATION_MODELS or models/)")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("list", help="versions, dates, key metrics and which is the default")
    use = sub.add_parser("use", help="make version NAME the default")
    use.add_argument("name", metavar="NAME")
    sub.add_parser("rollback", help="go back to the previous default")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from moderation.cli import CLIError
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
        else:
            print(f"default model is now {registry.rollback()}")
    except (FileNotFoundError, LookupError) as exc:
        raise CLIError(str(exc).strip("'\"")) from None
    return 0
