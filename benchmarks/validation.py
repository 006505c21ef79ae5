"""Real-comment validation benchmark: every public corpus's validation split, scored on its own.

This is the benchmark settings and thresholds are chosen on (with our own comments' validation
split beside it): per source and label, ROC-AUC and the share of the source's negatives flagged
at the model's threshold, beside alt-profanity-check (HOSTILE only) and, with ``--compare``, an
earlier model. Test splits are never read here.

Writes the ``validation`` section of ``benchmarks/RESULTS.md``.

Run: ``python benchmarks/validation.py [--model PATH] [--compare PATH] [--corpora PATH]``
(needs the corpora; ``pip install -e ".[bench]"`` for alt-profanity-check).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from results_file import write_section

from moderation.dataset import OWN_SOURCE, build_dataset
from moderation.evaluate import source_report
from moderation.features import LABELS
from moderation.model import load_model

RESULTS = Path(__file__).with_name("RESULTS.md")
#: Leave-sources-out folds: the model's settings are trained again without these corpora and
#: each is scored on its validation split (a corpus's own validation split shares its writers).
FOLDS = (("kaggle_insults", "gab_hate", "fox_news", "ethos", "prct"),
         ("olid", "hatexplain", "isca", "mediaeval"))
START, END = "<!-- validation:start -->", "<!-- validation:end -->"


def _fmt(v, pct: bool = False) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    return f"{v:.1%}" if pct else f"{v:.3f}"


def _peer():
    try:
        from profanity_check import predict_prob
    except ImportError:
        return None
    return predict_prob


def report(model, frame: pd.DataFrame, peer_scores: np.ndarray | None) -> pd.DataFrame:
    """The per-source table of one model on the validation rows."""
    scores = model.predict_proba(frame["text"].tolist())
    return source_report(frame, scores, model.thresholds, peer=peer_scores)


def means(table: pd.DataFrame, label: str, column: str = "roc_auc") -> float:
    """Mean over the public corpora (our own comments left out) of one column."""
    rows = table[(table["label"] == label) & (table["source"] != OWN_SOURCE)]
    return float(pd.to_numeric(rows[column], errors="coerce").mean())


def left_out(model, data: pd.DataFrame, val: pd.DataFrame) -> pd.DataFrame:
    """Per-source table of models trained with ``model``'s settings minus each fold's corpora."""
    from moderation.training import TrainConfig, train_model

    config = TrainConfig(**{k: v for k, v in model.card.get("config", {}).items()
                            if k in TrainConfig.DEFAULTS})
    tables = []
    for fold in FOLDS:
        keep = ~(data["source"].isin(fold) & (data["split"] == "train"))
        fitted = train_model(data[keep].copy(), config)
        rows = val[val["source"].isin(fold)].reset_index(drop=True)
        tables.append(source_report(rows, fitted.predict_proba(rows["text"].tolist()),
                                    fitted.thresholds))
    return pd.concat(tables, ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="model folder (default: the current default model)")
    ap.add_argument("--compare", help="an earlier model folder to show beside it")
    ap.add_argument("--corpora", help="corpus folder (default: ../shared/data)")
    ap.add_argument("--left-out", action="store_true",
                    help="also train without each fold of corpora and score them (about 3 min)")
    ap.add_argument("--no-write", action="store_true", help="print, do not update RESULTS.md")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    model = load_model(args.model)
    data = build_dataset(args.corpora)
    for label in LABELS:
        data[label] = pd.to_numeric(data[label], errors="coerce").astype(float)
    val = data[data["split"] == "validation"].reset_index(drop=True)
    predict_prob = _peer()
    peer = np.asarray(predict_prob(val["text"].tolist())) if predict_prob else None
    ours = report(model, val, peer)
    earlier = load_model(args.compare) if args.compare else None
    before = report(earlier, val, None) if earlier is not None else None
    name = model.card.get("name", model.version)

    head = "| source | label | n | pos | ROC-AUC | flagged negatives |"
    rule = "|---|---|---|---|---|---|"
    if before is not None:
        head += " before: ROC-AUC | before: flagged |"
        rule += "---|---|"
    head += " peer ROC-AUC | peer flagged |"
    rule += "---|---|"
    lines = [
        START,
        "## Real-comment validation (benchmarks/validation.py)",
        "",
        f"Model `{name}` (thresholds: "
        + ", ".join(f"{k} {v:.3f}" for k, v in model.thresholds.items())
        + ")"
        + (f", before: `{earlier.card.get('name', earlier.version)}`" if earlier else "")
        + ". The validation split of every source, each scored on its own: ROC-AUC, and the "
        "share of its negatives flagged at the model's threshold. Settings and thresholds are "
        "chosen on these rows (never on a test split). Peer: alt-profanity-check "
        "(`predict_prob`, flagged at 0.5), HOSTILE only; it was trained on Davidson's corpus.",
        "",
        head,
        rule,
    ]
    for _, r in ours.iterrows():
        row = (f"| {r['source']} | {r['label']} | {r['n']} | {r['positives']} | "
               f"{_fmt(r['roc_auc'])} | {_fmt(r['fpr'], True)} |")
        if before is not None:
            b = before[(before["source"] == r["source"]) & (before["label"] == r["label"])]
            row += (f" {_fmt(b['roc_auc'].iloc[0])} | {_fmt(b['fpr'].iloc[0], True)} |"
                    if len(b) else " – | – |")
        row += (f" {_fmt(r.get('peer_roc_auc'))} | {_fmt(r.get('peer_fpr'), True)} |"
                if r["label"] == "hostile" and peer is not None else " – | – |")
        lines.append(row)
    lines += ["", "| mean over public corpora | ours | " + ("before | " if before is not None else "")
              + "peer |", "|---|---|" + ("---|" if before is not None else "") + "---|"]
    for label in LABELS:
        for column, what in (("roc_auc", "ROC-AUC"), ("fpr", "flagged negatives")):
            pct = column == "fpr"
            cells = [_fmt(means(ours, label, column), pct)]
            if before is not None:
                cells.append(_fmt(means(before, label, column), pct))
            cells.append(_fmt(means(ours, label, f"peer_{column}"), pct)
                         if label == "hostile" and peer is not None else "–")
            lines.append(f"| {label} {what} | " + " | ".join(cells) + " |")
    if args.left_out:
        held = left_out(model, data, val)
        lines += ["", "### Corpora left out of training", "",
                  "The same settings trained without each fold of corpora ("
                  + "; ".join(", ".join(f) for f in FOLDS) + "), each left-out corpus scored on "
                  "its validation split: the closest measure here of comments by writers and "
                  "sites the model never saw.", "",
                  "| source | label | n | pos | ROC-AUC | flagged negatives |",
                  "|---|---|---|---|---|---|"]
        for _, r in held.iterrows():
            lines.append(f"| {r['source']} | {r['label']} | {r['n']} | {r['positives']} | "
                         f"{_fmt(r['roc_auc'])} | {_fmt(r['fpr'], True)} |")
        for label in LABELS:
            lines.append(f"| mean | {label} | | | {_fmt(means(held, label))} | "
                         f"{_fmt(means(held, label, 'fpr'), True)} |")
    lines += ["", f"Measured in {time.perf_counter() - t0:.0f} s on a 2-core machine.", END]
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        write_section(section, START, END, RESULTS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
