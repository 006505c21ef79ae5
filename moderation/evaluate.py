"""Measure a model on labelled comments: metrics per label, per kind and per source.

Used by training (validation metrics on the card), by ``moderation evaluate`` (a report on
any labelled file) and by the benchmark scripts. A label that a row leaves empty is skipped
for that label only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    f1_score,
    matthews_corrcoef,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
)

from moderation.features import LABELS

__all__ = [
    "best_threshold",
    "binary_metrics",
    "constrained_threshold",
    "evaluate_frame",
    "load_labelled",
    "pr_curve_data",
    "source_report",
    "write_report",
]

_TRUE = {"1", "1.0", "true", "yes", "y", "t"}
_FALSE = {"0", "0.0", "false", "no", "n", "f"}


def to_label(values: pd.Series) -> pd.Series:
    """Parse label cells (1/0, yes/no, true/false, empty) into a nullable float series."""

    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return np.nan
        s = str(v).strip().lower()
        if s in _TRUE:
            return 1.0
        if s in _FALSE:
            return 0.0
        if s == "":
            return np.nan
        raise ValueError(f"label value {v!r} is not one of 1/0, yes/no, true/false or empty")

    return values.map(one).astype(float)


def binary_metrics(y_true, scores, threshold: float) -> dict[str, Any]:
    """Precision, recall, F1, ROC-AUC, PR-AUC, MCC and the confusion matrix at ``threshold``."""
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(scores, dtype=float)
    keep = ~np.isnan(y) & ~np.isnan(s)
    y, s = y[keep].astype(int), s[keep]
    pred = (s >= threshold).astype(int)
    out: dict[str, Any] = {"n": int(len(y)), "positives": int(y.sum())}
    if len(y) == 0:
        return out
    both = len(np.unique(y)) == 2
    out.update(
        precision=float(precision_score(y, pred, zero_division=0)),
        recall=float(recall_score(y, pred, zero_division=0)),
        f1=float(f1_score(y, pred, zero_division=0)),
        mcc=float(matthews_corrcoef(y, pred)) if both else None,
        roc_auc=float(roc_auc_score(y, s)) if both else None,
        pr_auc=float(average_precision_score(y, s)) if both else None,
        fpr=float(((pred == 1) & (y == 0)).sum() / max(1, (y == 0).sum())),
        confusion=confusion_matrix(y, pred, labels=[0, 1]).tolist(),
    )
    return out


def best_threshold(y_true, scores, *, negatives_mask=None, max_fpr: float | None = None) -> float:
    """Threshold that maximises F1, optionally keeping the FPR on ``negatives_mask`` rows
    (e.g. hard negatives) at or below ``max_fpr`` when that is achievable."""
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(scores, dtype=float)
    keep = ~np.isnan(y)
    y, s = y[keep].astype(int), s[keep]
    hard = None if negatives_mask is None else np.asarray(negatives_mask)[keep]
    prec, rec, thr = precision_recall_curve(y, s)
    f1 = 2 * prec[:-1] * rec[:-1] / np.maximum(prec[:-1] + rec[:-1], 1e-12)
    order = np.argsort(-f1)
    if hard is not None and max_fpr is not None and hard.any():
        hs = s[hard & (y == 0)]
        for i in order:
            if len(hs) == 0 or (hs >= thr[i]).mean() <= max_fpr:
                return float(thr[i])
    return float(thr[order[0]])


def constrained_threshold(
    y_true,
    scores,
    *,
    weight=None,
    caps: Sequence[tuple[np.ndarray, float]] = (),
    f1_mask=None,
) -> float:
    """Threshold with the best weighted F1 among those that keep every false-positive cap.

    Parameters
    ----------
    y_true, scores : array-like
        Labels (1/0/NaN; NaN rows only count for the caps) and scores.
    weight : array-like, optional
        Row weights for the F1 (e.g. so that every source counts the same).
    caps : sequence of (mask, max_rate)
        The share of ``mask`` rows scored at or above the threshold must stay at or below
        ``max_rate`` (mask rows are negatives, or presumed negatives such as benign news
        comments). When no threshold keeps every cap, the one with the smallest excess wins.
    f1_mask : array-like of bool, optional
        Rows the F1 is computed on (default: every labelled row).

    Returns
    -------
    float
    """
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(scores, dtype=float)
    w = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=float)
    use = ~np.isnan(y) & (np.ones(len(y), bool) if f1_mask is None else np.asarray(f1_mask, bool))
    candidates = np.unique(s)
    if len(candidates) > 1000:  # observed scores only, so a threshold always sits on a score
        candidates = np.unique(np.quantile(s, np.linspace(0.005, 0.998, 1000), method="lower"))
    best, best_key = 0.5, None
    for t in candidates:
        pred = s >= t
        tp = float((w * (pred & (y == 1) & use)).sum())
        fp = float((w * (pred & (y == 0) & use)).sum())
        fn = float((w * (~pred & (y == 1) & use)).sum())
        f1 = 2 * tp / max(2 * tp + fp + fn, 1e-12)
        excess = sum(max(0.0, float(pred[m].mean()) - cap) for m, cap in caps if m.any())
        key = (-excess, f1)
        if best_key is None or key > best_key:
            best, best_key = float(t), key
    return best


def evaluate_frame(
    frame: pd.DataFrame,
    scores: np.ndarray,
    thresholds: Mapping[str, float],
    *,
    by: tuple[str, ...] = ("source", "kind"),
) -> dict[str, Any]:
    """Metrics for labelled rows given their scores (shape (n, 2), :data:`LABELS` order).

    Returns ``{"overall": {label: metrics}, "<column>": {value: {label: metrics}}}`` for each
    grouping column present in ``frame``.
    """
    result: dict[str, Any] = {"overall": {}}
    for j, label in enumerate(LABELS):
        if label in frame:
            result["overall"][label] = binary_metrics(frame[label], scores[:, j], thresholds[label])
    for col in by:
        if col not in frame or frame[col].isna().all():
            continue
        groups: dict[str, Any] = {}
        for value, idx in frame.groupby(frame[col].fillna("(none)"), sort=True).indices.items():
            sub = frame.iloc[idx]
            groups[str(value)] = {
                label: binary_metrics(sub[label], scores[idx, j], thresholds[label])
                for j, label in enumerate(LABELS)
                if label in sub and sub[label].notna().any()
            }
        result[col] = groups
    return result


def source_report(
    frame: pd.DataFrame,
    scores: np.ndarray,
    thresholds: Mapping[str, float],
    *,
    peer: np.ndarray | None = None,
    peer_threshold: float = 0.5,
) -> pd.DataFrame:
    """Per source and label: n, positives, ROC-AUC, PR-AUC, F1, and the share of the source's
    negatives flagged at the threshold (each source scored on its own, never pooled).

    Parameters
    ----------
    frame : pandas.DataFrame
        Labelled rows with ``source`` and the label columns (NaN = unknown).
    scores : numpy.ndarray
        Shape (n, 2), :data:`LABELS` order.
    thresholds : mapping
        Per-label thresholds.
    peer : numpy.ndarray, optional
        A one-label peer's HOSTILE scores (e.g. alt-profanity-check), compared on HOSTILE.

    Returns
    -------
    pandas.DataFrame
        Columns ``source, label, n, positives, roc_auc, pr_auc, f1, fpr`` and, with a peer,
        ``peer_roc_auc, peer_fpr``.
    """
    rows = []
    for source, idx in frame.groupby("source", sort=True).indices.items():
        sub = frame.iloc[idx]
        for j, label in enumerate(LABELS):
            if label not in sub or sub[label].notna().sum() == 0:
                continue
            m = binary_metrics(sub[label], scores[idx, j], thresholds[label])
            row = {"source": source, "label": label, "n": m["n"], "positives": m["positives"],
                   "roc_auc": m.get("roc_auc"), "pr_auc": m.get("pr_auc"), "f1": m.get("f1"),
                   "fpr": m.get("fpr") if m["positives"] < m["n"] else None}
            if peer is not None and label == "hostile":
                pm = binary_metrics(sub[label], peer[idx], peer_threshold)
                row.update(peer_roc_auc=pm.get("roc_auc"),
                           peer_fpr=pm.get("fpr") if pm["positives"] < pm["n"] else None)
            rows.append(row)
    return pd.DataFrame(rows)


def load_labelled(path: str | Path) -> pd.DataFrame:
    """Read a labelled CSV/TSV/JSONL/Parquet file with ``text`` and label columns."""
    from moderation.io import read_table

    df = read_table(path)
    if "text" not in df:
        raise ValueError(f"{path} has no 'text' column (columns: {', '.join(map(str, df.columns))}).")
    present = [label for label in LABELS if label in df]
    if not present:
        raise ValueError(f"{path} has neither a 'hostile' nor a 'conspiratorial' column.")
    for label in LABELS:
        df[label] = to_label(df[label]) if label in df else np.nan
    df["text"] = df["text"].astype("string").fillna("").astype(str)
    return df.reset_index(drop=True)


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def metrics_table(groups: Mapping[str, Mapping[str, Mapping[str, Any]]], label: str) -> list[str]:
    """Markdown rows (header included) of metrics for one label over named groups."""
    cols = ("n", "positives", "precision", "recall", "f1", "roc_auc", "pr_auc", "mcc", "fpr")
    lines = ["| group | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, per_label in groups.items():
        m = per_label.get(label)
        if not m:
            continue
        lines.append(f"| {name} | " + " | ".join(_fmt(m.get(c)) for c in cols) + " |")
    return lines


def write_report(
    frame: pd.DataFrame,
    scores: np.ndarray,
    thresholds: Mapping[str, float],
    out_dir: str | Path,
    *,
    title: str = "Evaluation report",
    model: str | None = None,
) -> dict[str, Any]:
    """Write ``report.md``, ``metrics.json`` and a precision-recall curve PNG per label.

    Parameters
    ----------
    frame : pandas.DataFrame
        Labelled rows (``hostile``, ``conspiratorial``; optional ``kind``, ``source``).
    scores : numpy.ndarray
        Scores of the rows, shape (n, 2), :data:`LABELS` order.
    thresholds : mapping
        The model's threshold per label.
    out_dir : str or Path
        Folder for the report (created if missing).
    title : str
        Heading of ``report.md``.
    model : str, optional
        The model's name and version, shown on the plots.

    Returns
    -------
    dict
        The metrics, as :func:`evaluate_frame` returns them (also written to ``metrics.json``).
    """
    import json

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = evaluate_frame(frame, scores, thresholds)
    lines = [f"# {title}", "", f"Rows: {len(frame)}. Thresholds: "
             + ", ".join(f"{k} {v:.3f}" for k, v in thresholds.items()), ""]
    for label in LABELS:
        m = result["overall"].get(label)
        if not m or not m.get("n"):
            continue
        lines += [f"## {label.upper()}", "", *metrics_table({"all rows": result["overall"]}, label), ""]
        if m.get("confusion"):
            (tn, fp), (fn, tp) = m["confusion"]
            lines += ["Confusion matrix (rows: true 0/1, columns: predicted 0/1):", "",
                      "| | pred 0 | pred 1 |", "|---|---|---|", f"| true 0 | {tn} | {fp} |",
                      f"| true 1 | {fn} | {tp} |", ""]
        for col in ("kind", "source"):
            if col in result:
                lines += [f"### {label} by {col}", "", *metrics_table(result[col], label), ""]
        data = pr_curve_data(frame[label], scores[:, LABELS.index(label)], thresholds[label], metrics=m)
        png = _pr_curve(data, label, out, model=model) if data else None
        if png:
            lines += [f"![precision-recall {label}]({png.name})", ""]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "metrics.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def pr_curve_data(
    y_true, scores, threshold: float, *, metrics: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """The values the precision-recall plot of one label shows.

    Parameters
    ----------
    y_true, scores : array-like
        Labels (1/0; NaN rows are skipped) and scores of one label.
    threshold : float
        The model's threshold for the label (the operating point).
    metrics : mapping, optional
        The label's :func:`binary_metrics` at ``threshold`` as the report's table shows them;
        computed here when not given.

    Returns
    -------
    dict or None
        ``precision`` and ``recall`` (the curve, arrays), ``threshold``, ``operating_point``
        (precision and recall at the threshold, the table's figures), ``pr_auc`` (average
        precision), ``n``, ``positives`` and ``prevalence`` (share of positives: the precision
        of a no-skill model); None when the labelled rows do not hold both classes.
    """
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(scores, dtype=float)
    keep = ~np.isnan(y) & ~np.isnan(s)
    y, s = y[keep].astype(int), s[keep]
    if len(np.unique(y)) < 2:
        return None
    m = binary_metrics(y, s, threshold) if metrics is None else metrics
    prec, rec, _ = precision_recall_curve(y, s)
    return {
        "precision": prec,
        "recall": rec,
        "threshold": float(threshold),
        "operating_point": (float(m["precision"]), float(m["recall"])),
        "pr_auc": float(m["pr_auc"]),
        "n": int(m["n"]),
        "positives": int(m["positives"]),
        "prevalence": float(m["positives"]) / float(m["n"]),
    }


def _pr_curve(data: Mapping[str, Any], label: str, out: Path, *, model: str | None = None) -> Path | None:
    """Plot :func:`pr_curve_data` to ``out/pr_<label>.png`` (None without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # the optional 'report' extra (the CLI names it)
        return None
    precision, recall = data["operating_point"]
    fig, ax = plt.subplots(figsize=(6, 5.6))
    ax.plot(data["recall"], data["precision"], drawstyle="steps-post", color="tab:blue",
            label=f"model (PR-AUC / average precision {data['pr_auc']:.3f})")
    ax.axhline(data["prevalence"], color="grey", linestyle="--", linewidth=1,
               label=f"no skill (prevalence {data['prevalence']:.3f})")
    ax.scatter([recall], [precision], s=60, color="tab:red", zorder=3,
               label=f"threshold {data['threshold']:.3f}: precision {precision:.3f}, recall {recall:.3f}")
    right = recall > 0.75  # keep the label inside the axes
    ax.annotate(f"P {precision:.2f}\nR {recall:.2f}", (recall, precision), textcoords="offset points",
                xytext=(-10, -10) if right else (10, 10), ha="right" if right else "left",
                va="top" if right else "bottom", fontsize=8, color="tab:red")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.grid(alpha=0.3)
    ax.set_title(f"{label.upper()} precision-recall\nmodel {model or 'unnamed'}, "
                 f"n={data['n']} ({data['positives']} positive)", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=8, frameon=False)
    path = out / f"pr_{label}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
