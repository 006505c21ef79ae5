"""Quality benchmark: the default model on every test split, beside alt-profanity-check.

Writes the quality section of ``benchmarks/RESULTS.md`` (between the ``quality`` markers):
per-label metrics on each held-out test split (OLID official test with TIN as hostile, PAN
English official test with MCC, HateXplain test, Fox News held-out threads, our own
comments' test split, and disguised copies of our test positives made by a fixed seeded
obfuscator), alt-profanity-check on the hostile label, and fairness on identity terms
(false-positive rate on hard negatives that name an identity, Jigsaw bias AUCs).

Run: ``python benchmarks/quality.py [--model PATH] [--corpora PATH]`` (needs the corpora;
``pip install -e ".[bench]"`` for alt-profanity-check). Test splits are never trained on.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from results_file import write_section
from sklearn.metrics import roc_auc_score

from moderation.dataset import build_dataset
from moderation.evaluate import binary_metrics
from moderation.features import LABELS
from moderation.model import load_model
from moderation.obfuscate import obfuscate

RESULTS = Path(__file__).with_name("RESULTS.md")
START, END = "<!-- quality:start -->", "<!-- quality:end -->"
#: The benchmark's obfuscation seed; training augmentation uses other seeds.
BENCH_SEED = 12345

IDENTITIES = {
    "jewish": r"\bjew(s|ish)?\b",
    "muslim": r"\bmuslims?\b|\bislam(ic)?\b",
    "christian": r"\bchristians?\b|\bchurch\b",
    "gay": r"\bgays?\b|\blesbians?\b",
    "trans": r"\btrans(gender)?\b",
    "black": r"\bblacks?\b",
    "asian": r"\basians?\b|\bchinese\b",
    "disabled": r"\bdisab(led|ility)\b|\bwheelchair\b|\bautis(m|tic)\b",
    "women": r"\bwom[ae]n\b|\bgirls?\b",
    "immigrants": r"\b(im)?migrants?\b|\brefugees?\b|\basylum\b",
    "roma_travellers": r"\broma\b|\btravell?ers?\b|\bgyps(y|ies)\b",
}


def _profanity_check():
    try:
        from profanity_check import predict_prob
    except ImportError:
        return None
    return predict_prob


def test_sets(data: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The named test splits (rows never used for training or threshold choice)."""
    test = data[data["split"] == "test"]
    sets = {
        "our comments (test split)": test[test["source"] == "news_comments"],
        "OLID official test (TIN = hostile)": test[test["source"] == "olid"],
        "PAN 2024 EN official test": test[test["source"] == "pan_test"],
        "HateXplain test": test[test["source"] == "hatexplain"],
        "Fox News held-out threads": test[test["source"] == "fox_news"],
    }
    own = sets["our comments (test split)"]
    positives = own[(own["hostile"] == 1) | (own["conspiratorial"] == 1)].copy()
    positives["text"] = [obfuscate(t, seed=BENCH_SEED) for t in positives["text"]]
    sets["our test positives, disguised (seed 12345)"] = positives
    both = pd.concat([own[(own["hostile"] != 1) & (own["conspiratorial"] != 1)], positives])
    sets["our test negatives + disguised positives"] = both
    for source in sorted(set(test["source"]) - {"news_comments", "olid", "pan_test", "hatexplain", "fox_news"}):
        sets[f"{source} (test split)"] = test[test["source"] == source]
    return {k: v for k, v in sets.items() if len(v)}


def _fmt(v) -> str:
    return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.3f}"


def bias_aucs(frame: pd.DataFrame, scores: np.ndarray) -> list[dict]:
    """Jigsaw subgroup, BPSN and BNSP AUCs of the hostile score for each identity term."""
    y = frame["hostile"].to_numpy(dtype=float)
    keep = ~np.isnan(y)
    text = frame["text"].str.casefold().to_numpy()
    rows = []
    for name, pattern in IDENTITIES.items():
        rx = re.compile(pattern)
        sub = np.array([bool(rx.search(t)) for t in text]) & keep
        bg = ~sub & keep
        n_pos, n_neg = int((y[sub] == 1).sum()), int((y[sub] == 0).sum())
        if n_pos < 5 or n_neg < 5:
            rows.append({"identity": name, "n": int(sub.sum()), "subgroup": None, "bpsn": None, "bnsp": None})
            continue
        def auc(mask):
            return float(roc_auc_score(y[mask], scores[mask]))
        rows.append(
            {
                "identity": name,
                "n": int(sub.sum()),
                "subgroup": auc(sub),
                "bpsn": auc((bg & (y == 1)) | (sub & (y == 0))),
                "bnsp": auc((bg & (y == 0)) | (sub & (y == 1))),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="model folder (default: the current default model)")
    ap.add_argument("--corpora", help="corpus folder (default: ../shared/data)")
    ap.add_argument("--no-write", action="store_true", help="print, do not update RESULTS.md")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    model = load_model(args.model)
    data = build_dataset(args.corpora)
    for label in LABELS:
        data[label] = pd.to_numeric(data[label], errors="coerce").astype(float)
    sets = test_sets(data)
    predict_prob = _profanity_check()
    lines = [
        START,
        "## Quality (benchmarks/quality.py)",
        "",
        f"Model `{model.version}` (thresholds: "
        + ", ".join(f"{k} {v:.3f}" for k, v in model.thresholds.items())
        + f"); dataset hash `{str(model.card.get('dataset_hash'))[:12]}`. Every row below is from a "
        "test split that training, calibration and threshold choice never saw. Peer: "
        "alt-profanity-check (`predict_prob`, threshold 0.5), which scores one label, so it is "
        "compared on HOSTILE only.",
        "",
        "| test set | label | n | pos | precision | recall | F1 | ROC-AUC | PR-AUC | MCC | peer F1 | peer ROC-AUC |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    all_scores: dict[str, np.ndarray] = {}
    for name, frame in sets.items():
        scores = model.predict_proba(frame["text"].tolist())
        all_scores[name] = scores
        peer = np.asarray(predict_prob(frame["text"].tolist())) if predict_prob else None
        for j, label in enumerate(LABELS):
            y = frame[label]
            if y.notna().sum() == 0 or y.dropna().nunique() < 1:
                continue
            m = binary_metrics(y, scores[:, j], model.thresholds[label])
            if not m.get("n"):
                continue
            pf, pa = "–", "–"
            if label == "hostile" and peer is not None:
                pm = binary_metrics(y, peer, 0.5)
                pf, pa = _fmt(pm.get("f1")), _fmt(pm.get("roc_auc"))
            lines.append(
                f"| {name} | {label} | {m['n']} | {m['positives']} | {_fmt(m.get('precision'))} | "
                f"{_fmt(m.get('recall'))} | {_fmt(m.get('f1'))} | {_fmt(m.get('roc_auc'))} | "
                f"{_fmt(m.get('pr_auc'))} | {_fmt(m.get('mcc'))} | {pf} | {pa} |"
            )

    own = sets["our comments (test split)"]
    own_scores = all_scores["our comments (test split)"]
    lines += ["", "### Our test comments by kind", "",
              "| kind | n | hostile flagged | conspiratorial flagged |", "|---|---|---|---|"]
    for kind, idx in own.groupby("kind").indices.items():
        flags = own_scores[idx] >= np.array([model.thresholds[label] for label in LABELS])
        lines.append(f"| {kind} | {len(idx)} | {flags[:, 0].mean():.1%} | {flags[:, 1].mean():.1%} |")

    lines += ["", "### Fairness: hard negatives that name an identity", "",
              "False-positive rate, at the model's thresholds, on our hard-negative comments that mention "
              "each identity term. The test split alone holds too few per term, so this pools the test and "
              "validation splits (neither is trained on; thresholds are chosen on validation).", "", "| identity | n | hostile FPR | conspiratorial FPR |", "|---|---|---|---|"]
    own_all = data[(data["source"] == "news_comments") & data["split"].isin(["test", "validation"])]
    hard = own_all[own_all["kind"] == "hard_negative"]
    hard_scores = model.predict_proba(hard["text"].tolist())
    flags = hard_scores >= np.array([model.thresholds[label] for label in LABELS])
    lower = hard["text"].str.casefold().to_numpy()
    for name, pattern in IDENTITIES.items():
        rx = re.compile(pattern)
        mask = np.array([bool(rx.search(t)) for t in lower])
        if mask.sum() == 0:
            continue
        lines.append(f"| {name} | {int(mask.sum())} | {flags[mask, 0].mean():.1%} | {flags[mask, 1].mean():.1%} |")
    lines.append(f"| all hard negatives | {len(hard)} | {flags[:, 0].mean():.1%} | {flags[:, 1].mean():.1%} |")

    pooled_names = ["our comments (test split)", "HateXplain test", "Fox News held-out threads",
                    "OLID official test (TIN = hostile)"]
    pooled = pd.concat([sets[n] for n in pooled_names if n in sets])
    pooled_scores = np.vstack([all_scores[n] for n in pooled_names if n in sets])[:, 0]
    lines += ["", "### Jigsaw bias AUCs (HOSTILE) per identity term", "",
              "Pooled hostile-labelled test rows (our comments, HateXplain, Fox News, OLID). Subgroup AUC: "
              "within comments that mention the identity; BPSN: background positives vs subgroup negatives "
              "(low = identity mentions get flagged); BNSP: background negatives vs subgroup positives.", "",
              "| identity | n | subgroup AUC | BPSN AUC | BNSP AUC |", "|---|---|---|---|---|"]
    for r in bias_aucs(pooled, pooled_scores):
        lines.append(f"| {r['identity']} | {r['n']} | {_fmt(r['subgroup'])} | {_fmt(r['bpsn'])} | {_fmt(r['bnsp'])} |")
    lines += ["", f"Measured in {time.perf_counter() - t0:.0f} s on a 2-core machine.", END]
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        write_section(section, START, END, RESULTS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
