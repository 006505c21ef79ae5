"""``moderation evaluate --data FILE``: metrics of a model on a labelled file."""

from __future__ import annotations

import argparse
import importlib.util
import sys
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
    from moderation.cli import CLIError, extra_hint, load_model_or_fail
    from moderation.evaluate import evaluate_frame, load_labelled, write_report

    try:
        frame = load_labelled(args.data)
    except (OSError, ValueError) as exc:
        raise CLIError(str(exc)) from None
    model = load_model_or_fail(args.model)
    scores = model.predict_proba(frame["text"].tolist())
    if args.output:
        label = _label(model)
        result = write_report(frame, scores, model.thresholds, args.output,
                              title=f"Evaluation of model {model.version} on {args.data}", model=label)
        if importlib.util.find_spec("matplotlib") is None:
            print("moderation evaluate: precision-recall plots skipped: matplotlib is not installed; "
                  + extra_hint("report"), file=sys.stderr)
    else:
        result = evaluate_frame(frame, scores, model.thresholds)
    built = f" (trained {model.timestamp})" if model.timestamp and model.timestamp != model.version else ""
    print(f"model {model.version}{built}, {len(frame)} rows")
    for label, m in result["overall"].items():
        if not m.get("n"):
            continue
        auc = "–" if m.get("roc_auc") is None else f"{m['roc_auc']:.3f}"
        print(f"{label:15} n={m['n']:<6} P={m.get('precision', 0):.3f} R={m.get('recall', 0):.3f} "
              f"F1={m.get('f1', 0):.3f} ROC-AUC={auc}")
    if args.output:
        print(f"report written to {args.output}/report.md")
    return 0


def _label(model: Any) -> str:
    """The model as the report names it: its version name, and when it was trained."""
    if model.timestamp and model.timestamp != model.version:
        return f"{model.version} (trained {model.timestamp})"
    return model.version
