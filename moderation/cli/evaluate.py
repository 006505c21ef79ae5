"""``moderation evaluate --data FILE``: metrics of a model on a labelled file."""

from __future__ import annotations

import argparse
from typing import Any

HELP = "measure a model on a labelled CSV/JSONL file (metrics per label, kind and source)"


def register(subparsers: Any) -> None:
    """Add the ``evaluate`` sub-command."""
    p = subparsers.add_parser("evaluate", help=HELP, description=HELP + ".")
    p.add_argument("--data", required=True, metavar="FILE",
                   help="labelled file: text, hostile, conspiratorial (optional kind, source)")
    p.add_argument("--model", metavar="PATH", help="model folder (default: the current default model)")
    p.add_argument("-o", "--output", metavar="REPORT_DIR",
                   help="write report.md, metrics.json and precision-recall PNGs here")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from moderation.cli import CLIError, load_model_or_fail
    from moderation.evaluate import evaluate_frame, load_labelled, write_report

    try:
        frame = load_labelled(args.data)
    except (OSError, ValueError) as exc:
        raise CLIError(str(exc)) from None
    model = load_model_or_fail(args.model)
    scores = model.predict_proba(frame["text"].tolist())
    if args.output:
        name = str(model.card.get("name") or "")
        label = model.version if name in ("", model.version) else f"{name} (version {model.version})"
        result = write_report(frame, scores, model.thresholds, args.output,
                              title=f"Evaluation of model {model.version} on {args.data}", model=label)
    else:
        result = evaluate_frame(frame, scores, model.thresholds)
    print(f"model {model.version}, {len(frame)} rows")
    for label, m in result["overall"].items():
        if not m.get("n"):
            continue
        auc = "–" if m.get("roc_auc") is None else f"{m['roc_auc']:.3f}"
        print(f"{label:15} n={m['n']:<6} P={m.get('precision', 0):.3f} R={m.get('recall', 0):.3f} "
              f"F1={m.get('f1', 0):.3f} ROC-AUC={auc}")
    if args.output:
        print(f"report written to {args.output}/report.md")
    return 0
