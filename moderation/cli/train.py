"""``moderation train``: train a new model version, gate it and promote it if it passes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

HELP = "train a new model version (optionally with your own labels) and promote it if it passes the gate"


def register(subparsers: Any) -> None:
    """Add the ``train`` sub-command."""
    p = subparsers.add_parser(
        "train",
        help=HELP,
        description=(
            "Build the dataset (our labelled comments plus the public corpora) and train a new model "
            "version. With --labels, your labels are added and override the base data for the same "
            "text. The new version becomes the default only if it passes the promotion gate "
            "(or with --force)."
        ),
    )
    p.add_argument("--corpora", metavar="PATH", help="corpus folder (default: $MODERATION_CORPORA or ../shared/data)")
    p.add_argument("--labels", metavar="FILE", action="append", default=[],
                   help="labels file (CSV/JSONL: text, hostile, conspiratorial); repeatable")
    p.add_argument("--base", choices=("default", "none"), default="default",
                   help="train on the shipped dataset plus your labels (default) or on your labels alone")
    p.add_argument("--name", metavar="NAME", help="version name (default: model-<timestamp>)")
    p.add_argument("--out", metavar="DIR", help="write the version to DIR (its parent is the models folder)")
    p.add_argument("--models-dir", metavar="DIR", help="models folder (default: $MODERATION_MODELS or models/)")
    p.add_argument("--force", action="store_true", help="promote the new version even if the gate fails")
    p.add_argument("--skip-invalid", action="store_true", help="train on the valid rows, report the skipped ones")
    p.add_argument("--label-weight", type=float, default=None, metavar="W",
                   help="sample weight of your labels (default: 20; our own comments weigh 10)")
    p.add_argument("--no-promote", action="store_true", help="save the version but never make it the default")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from moderation.cli import CLIError
    from moderation.registry import ModelRegistry
    from moderation.retrain import NEW_LABEL_WEIGHT, LabelsError, Trainer

    root, name = args.models_dir, args.name
    if args.out:
        out = Path(args.out)
        root, name = out.parent, out.name
    registry = ModelRegistry(root)
    if name and (registry.root / name).exists():
        raise CLIError(f"{registry.root / name} already exists; pick another --name (versions are never overwritten).")
    trainer = Trainer(
        labels=args.labels,
        base=args.base,
        corpora=args.corpora,
        label_weight=args.label_weight or NEW_LABEL_WEIGHT,
        skip_invalid=args.skip_invalid,
        name=name,
        force=args.force,
        promote=not args.no_promote,
        registry=registry,
    )
    try:
        trainer.validate()
    except LabelsError as exc:
        for problem in exc.problems:
            print(f"moderation train: {problem}", file=sys.stderr)
        raise CLIError(f"{len(exc.problems)} invalid label row(s); nothing was trained and models/ is "
                       "unchanged. Fix the rows or pass --skip-invalid.") from None
    for problem in trainer.problems:
        print(f"moderation train: skipped {problem}", file=sys.stderr)
    if trainer.problems:
        print(f"moderation train: skipped {len(trainer.problems)} invalid row(s)", file=sys.stderr)
    result = trainer.run()
    card = result["model"].card
    print(f"trained {result['path']} on {card['training_rows']:,} rows in {card['training_seconds']}s")
    print("thresholds: " + ", ".join(f"{k} {v:.3f}" for k, v in card["thresholds"].items()))
    own = card.get("validation_metrics", {}).get("source", {}).get("news_comments", {})
    if own:
        print("validation F1 (our comments): " + ", ".join(f"{k} {v['f1']:.3f}" for k, v in own.items()))
    gate = result["gate"]
    if gate.rows:
        print(gate.table())
    print(("promoted: " if result["promoted"] else "not promoted: ") + "; ".join(gate.reasons))
    if not result["promoted"]:
        print(f"the default stays {registry.default_name()}; use `moderation models use {result['path'].name}` "
              "or retrain with --force to promote it anyway")
    return 0
