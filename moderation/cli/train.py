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
    p.add_argument("--models-dir", metavar="DIR",
                   help="models folder the new version is saved in (default: $MODERATION_MODELS, else "
                        "models/ in a source checkout, else the per-user data folder)")
    p.add_argument("--force", action="store_true", help="promote the new version even if the gate fails")
    p.add_argument("--skip-invalid", action="store_true", help="train on the valid rows, report the skipped ones")
    p.add_argument("--label-weight", type=float, default=None, metavar="W",
                   help="sample weight of your labels (default: 20; our own comments weigh 10, corpora 0.5-5)")
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
    registry = ModelRegistry(root, shipped=True)
    try:
        trainer = Trainer(
            labels=args.labels,
            base=args.base,
            corpora=args.corpora,
            label_weight=NEW_LABEL_WEIGHT if args.label_weight is None else args.label_weight,
            skip_invalid=args.skip_invalid,
            name=name,
            force=args.force,
            promote=not args.no_promote,
            registry=registry,
        )
        trainer.check_name()
    except (ValueError, FileExistsError) as exc:
        raise CLIError(str(exc)) from None
    try:
        labels = trainer.validate()
    except LabelsError as exc:
        for problem in exc.problems:
            print(f"moderation train: {problem}", file=sys.stderr)
        raise CLIError(f"{len(exc.problems)} problem(s) in the labels; nothing was trained and "
                       f"{registry.root} is unchanged. Fix the rows"
                       + (" or pass --skip-invalid." if not any(p.fatal for p in exc.problems) else ".")
                       ) from None
    if args.base == "none" and labels.empty:
        raise CLIError("--base none needs at least one --labels file with labelled rows.")
    for problem in trainer.problems:
        print(f"moderation train: skipped {problem}", file=sys.stderr)
    if trainer.problems:
        print(f"moderation train: skipped {len(trainer.problems)} invalid row(s)", file=sys.stderr)
    ignored = labels.attrs.get("unlabelled", 0)
    if ignored:
        print(f"moderation train: ignored {ignored} row(s) with both labels empty", file=sys.stderr)
    if args.labels:
        counts = ", ".join(f"{label} {int((labels[label] == 1).sum())}/{int((labels[label] == 0).sum())}"
                           for label in ("hostile", "conspiratorial"))
        print(f"labels: {len(labels)} row(s) from {len(args.labels)} file(s) (1/0: {counts})")
    print(f"training {trainer.name} ...", flush=True)
    try:
        result = trainer.run()
    except (ValueError, FileExistsError) as exc:
        raise CLIError(f"training failed: {exc}; {registry.root} is unchanged") from None
    card = result["model"].card
    print(f"trained {result['path']} on {card['training_rows']:,} rows in {card['training_seconds']}s")
    print("thresholds: " + ", ".join(f"{k} {v:.3f}" for k, v in card["thresholds"].items()))
    own = card.get("validation_metrics", {}).get("source", {}).get("news_comments", {})
    if own:
        print("validation F1 (our comments): " + ", ".join(f"{k} {v['f1']:.3f}" for k, v in own.items()))
    gate = result["gate"]
    if gate.rows:
        print(f"gate: F1 of the new version against the current default {card['gate']['compared_with']}")
        print(gate.table())
    if result["promoted"]:
        forced = " (--force)" if not gate.passed else ""
        print(f"promoted{forced}: {result['path'].name} is the default; " + "; ".join(gate.reasons))
    elif args.no_promote:
        print(f"not promoted (--no-promote); the gate {'passed' if gate.passed else 'failed'}: "
              + "; ".join(gate.reasons))
    else:
        print("not promoted: " + "; ".join(gate.reasons))
        print(f"the default stays {registry.default_name()}; use `moderation models use {result['path'].name}` "
              "or retrain with --force to promote it anyway")
    return 0
