"""Retraining with a team's own labels: validated, versioned, gated and reversible.

A labels file (CSV or JSONL) has ``text`` and at least one of ``hostile`` /
``conspiratorial`` (1/0, yes/no, true/false, or empty for unknown). Every row is validated
before anything is trained. New labels override the base dataset's labels for the same
normalised text and weigh more. A run writes a new model version; it becomes the default
only if it passes the promotion gate (or with ``force``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from moderation.evaluate import binary_metrics
from moderation.features import LABELS
from moderation.model import Model, load_model, read_card
from moderation.registry import ModelRegistry
from moderation.train import TrainConfig, train_model

__all__ = ["GateResult", "LabelsError", "Trainer", "load_labels", "train"]

#: Sample weight of a team's new labels (our own comments weigh 10, tweets about 1).
NEW_LABEL_WEIGHT = 20.0
#: Largest drop in F1 on any benchmark label that still lets a new model be promoted.
MAX_BENCHMARK_DROP = 0.02
NEW_SOURCE = "new_labels"
_TRUE = {"1", "yes", "true", "y", "t", "1.0"}
_FALSE = {"0", "no", "false", "n", "f", "0.0"}


@dataclass(frozen=True)
class Problem:
    """One invalid row of a labels file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class LabelsError(ValueError):
    """A labels file has invalid rows; ``problems`` lists each with its file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        head = "\n".join(str(p) for p in problems[:50])
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} invalid label row(s):\n{head}{more}")


def _parse_value(value: Any) -> float | None | str:
    """1.0/0.0, None for empty, or the original text when it is not an allowed value."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, bool):
        return float(value)
    s = str(value).strip().lower()
    if s == "":
        return None
    if s in _TRUE:
        return 1.0
    if s in _FALSE:
        return 0.0
    return str(value)


def _rows_of(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """(line number, row) pairs and the column names of a CSV/TSV or JSONL labels file."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        rows, columns = [], []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                rows.append((n, {"__error__": f"not valid JSON ({exc.msg})"}))
                continue
            if not isinstance(obj, dict):
                rows.append((n, {"__error__": "a JSONL line must be an object"}))
                continue
            columns.extend(k for k in obj if k not in columns)
            rows.append((n, obj))
        return rows, columns
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    start = 2
    for row in reader:
        rows.append((start, row))
        start = reader.line_num + 1
    return rows, list(reader.fieldnames or [])


def load_labels(
    sources: list[str | Path | pd.DataFrame] | str | Path | pd.DataFrame, *, skip_invalid: bool = False
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and validate labels files (or DataFrames).

    Parameters
    ----------
    sources : path, DataFrame, or a list of them
        Labels in CSV, TSV or JSONL files, or DataFrames with the same columns.
    skip_invalid : bool
        Drop invalid rows and return them as problems instead of raising.

    Returns
    -------
    labels : pandas.DataFrame
        ``text``, ``hostile``, ``conspiratorial`` (1.0/0.0/NaN), ``file``, ``line``.
    problems : list of Problem
        The rows that were skipped (empty unless ``skip_invalid``).

    Raises
    ------
    LabelsError
        When any row is invalid and ``skip_invalid`` is false; nothing has been trained.
    """
    from moderation.dataset import dedup_key

    if not isinstance(sources, list):
        sources = [sources]
    problems: list[Problem] = []
    records: list[dict[str, Any]] = []
    for src in sources:
        if isinstance(src, pd.DataFrame):
            name = "<DataFrame>"
            columns = list(src.columns)
            rows = [(i + 1, r) for i, r in enumerate(src.to_dict("records"))]
        else:
            path = Path(src)
            name = str(path)
            if not path.is_file():
                problems.append(Problem(name, 0, "file not found"))
                continue
            rows, columns = _rows_of(path)
        if "text" not in columns or not any(label in columns for label in LABELS):
            problems.append(
                Problem(name, 1, "needs a 'text' column and at least one of 'hostile', 'conspiratorial' "
                        f"(found: {', '.join(map(str, columns)) or 'none'})")
            )
            continue
        for line, row in rows:
            if "__error__" in row:
                problems.append(Problem(name, line, row["__error__"]))
                continue
            text = row.get("text")
            text = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
            if not text.strip():
                problems.append(Problem(name, line, "empty text"))
                continue
            rec: dict[str, Any] = {"text": text, "file": name, "line": line}
            bad = False
            for label in LABELS:
                value = _parse_value(row.get(label))
                if isinstance(value, str):
                    problems.append(
                        Problem(name, line, f"{label} value {value!r} is not one of 1/0, yes/no, "
                                "true/false or empty")
                    )
                    bad = True
                rec[label] = np.nan if value is None or isinstance(value, str) else value
            if bad:
                continue
            if all(np.isnan(rec[label]) for label in LABELS):
                problems.append(Problem(name, line, "no label given (both label cells are empty)"))
                continue
            records.append(rec)
    frame = pd.DataFrame(records, columns=["text", *LABELS, "file", "line"])
    if not frame.empty:
        frame["key"] = frame["text"].map(dedup_key)
        conflicted: set[int] = set()
        for label in LABELS:
            known = frame[frame[label].notna()]
            for _, grp in known.groupby("key"):
                if grp[label].nunique() > 1:
                    first = grp.iloc[0]
                    for idx, r in grp.iterrows():
                        other = grp[grp[label] != r[label]].iloc[0]
                        problems.append(
                            Problem(r["file"], int(r["line"]), f"same text labelled {label}="
                                    f"{int(r[label])} here and {int(other[label])} at "
                                    f"{other['file']}:{int(other['line'])}")
                        )
                        conflicted.add(idx)
                    del first
        frame = frame.drop(index=sorted(conflicted))
        frame = frame.drop_duplicates("key", keep="last").drop(columns="key").reset_index(drop=True)
    if problems and not skip_invalid:
        raise LabelsError(problems)
    return frame, problems


def _holdout(texts: pd.Series) -> np.ndarray:
    """Deterministic fifth of the new labels kept out of training for the gate."""
    from moderation.dataset import dedup_key

    return np.array([int(hashlib.sha256(dedup_key(t).encode()).hexdigest(), 16) % 5 == 0 for t in texts])


def _combine(base: pd.DataFrame, labels: pd.DataFrame, *, weight: float) -> pd.DataFrame:
    """Base dataset with the new labels added; new labels override the same normalised text."""
    from moderation.dataset import dedup_key

    new = labels.copy()
    new["split"] = np.where(_holdout(new["text"]), "test", "train")
    new["source"] = NEW_SOURCE
    new["licence"] = "user-provided"
    new["weight"] = weight
    new["kind"] = None
    new_keys = set(new["text"].map(dedup_key))
    if not base.empty:
        base = base[~base["text"].map(dedup_key).isin(new_keys)]
    cols = ["text", *LABELS, "source", "licence", "split", "weight", "kind"]
    base = base.reindex(columns=cols)
    return pd.concat([base, new[cols]], ignore_index=True)


def _base_dataset(base: str, corpora: str | Path | None) -> pd.DataFrame:
    if base == "none":
        return pd.DataFrame(columns=["text", *LABELS, "source", "licence", "split", "weight", "kind"])
    if base != "default":
        raise ValueError(f"base must be 'default' or 'none', not {base!r}")
    from moderation.dataset import build_dataset

    return build_dataset(corpora)


def train(
    labels: list[str | Path | pd.DataFrame] | str | Path | pd.DataFrame | None = None,
    *,
    base: str = "default",
    corpora: str | Path | None = None,
    config: TrainConfig | None = None,
    label_weight: float = NEW_LABEL_WEIGHT,
    skip_invalid: bool = False,
) -> Model:
    """Train a model on the base dataset plus a team's labels; nothing is saved or promoted.

    Parameters
    ----------
    labels : path, DataFrame or list of them, optional
        New labels (``text`` plus ``hostile`` and/or ``conspiratorial``).
    base : {"default", "none"}
        "default" rebuilds the shipped model's dataset (our comments plus the corpora found
        in ``corpora``); "none" trains on the new labels alone.
    corpora : path, optional
        Corpus folder (default: ``$MODERATION_CORPORA`` or ``../shared/data``).
    config : TrainConfig, optional
        Training settings; default: those of the current default model.
    label_weight : float
        Sample weight of the new labels.
    skip_invalid : bool
        Train on the valid rows instead of refusing a file with invalid rows.

    Returns
    -------
    Model
        The trained model; call ``.save(path)`` to keep it.
    """
    trainer = Trainer(labels=labels, base=base, corpora=corpora, config=config,
                      label_weight=label_weight, skip_invalid=skip_invalid)
    return trainer.fit()


@dataclass
class GateResult:
    """The promotion gate's verdict and the comparison it was based on."""

    passed: bool
    reasons: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def table(self) -> str:
        """The comparison as a plain-text table."""
        lines = [f"{'benchmark':<28} {'label':<15} {'current':>8} {'new':>8} {'change':>8}  ok"]
        for r in self.rows:
            cur = "–" if r["current_f1"] is None else f"{r['current_f1']:.3f}"
            lines.append(
                f"{r['set']:<28} {r['label']:<15} {cur:>8} {r['new_f1']:>8.3f} "
                f"{(r['change'] if r['change'] is not None else 0):>+8.3f}  {'yes' if r['ok'] else 'NO'}"
            )
        return "\n".join(lines)


class Trainer:
    """One training run: validate labels, build data, fit, gate, save, promote.

    Parameters are those of :func:`train`, plus ``name`` (model version name; default a
    timestamp), ``force`` (promote even if the gate fails), ``promote`` (False: save only)
    and ``registry``.
    """

    def __init__(
        self,
        *,
        labels=None,
        base: str = "default",
        corpora: str | Path | None = None,
        config: TrainConfig | None = None,
        label_weight: float = NEW_LABEL_WEIGHT,
        skip_invalid: bool = False,
        name: str | None = None,
        force: bool = False,
        promote: bool = True,
        registry: ModelRegistry | None = None,
    ) -> None:
        self.labels_in = [] if labels is None else (labels if isinstance(labels, list) else [labels])
        self.base = base
        self.corpora = corpora
        self.config = config
        self.label_weight = label_weight
        self.skip_invalid = skip_invalid
        self.name = name or datetime.now(timezone.utc).strftime("model-%Y%m%d-%H%M%S")
        self.force = force
        self.promote = promote
        self.registry = registry or ModelRegistry()
        self.labels: pd.DataFrame | None = None
        self.problems: list[Problem] = []
        self.data: pd.DataFrame | None = None

    def validate(self) -> pd.DataFrame:
        """Load and validate the labels files (raises :class:`LabelsError`)."""
        if self.labels is None:
            if self.labels_in:
                self.labels, self.problems = load_labels(self.labels_in, skip_invalid=self.skip_invalid)
            else:
                self.labels = pd.DataFrame(columns=["text", *LABELS, "file", "line"])
        return self.labels

    def _config(self) -> TrainConfig:
        if self.config is not None:
            return self.config
        current = self.registry.default_name()
        if current:
            try:
                saved = read_card(self.registry.path(current)).get("config", {})
                return TrainConfig(**{k: v for k, v in saved.items() if k in TrainConfig.DEFAULTS})
            except (FileNotFoundError, TypeError):
                pass
        return TrainConfig()

    def fit(self) -> Model:
        """Validate, build the training table and train (no saving)."""
        labels = self.validate()
        if self.base == "none" and labels.empty:
            raise ValueError("--base none needs at least one labels file with valid rows.")
        base = _base_dataset(self.base, self.corpora)
        self.data = _combine(base, labels, weight=self.label_weight) if not labels.empty else base
        info = self._labels_info()
        return train_model(self.data, self._config(), extra_card={"labels_files": info, "base": self.base})

    def _labels_info(self) -> list[dict[str, Any]]:
        out = []
        for src in self.labels_in:
            if isinstance(src, pd.DataFrame):
                out.append({"file": "<DataFrame>", "rows": int(len(src))})
                continue
            path = Path(src)
            if path.is_file():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                used = 0 if self.labels is None else int((self.labels["file"] == str(path)).sum())
                out.append({"file": path.name, "sha256": digest, "rows_used": used})
        if self.problems:
            out.append({"skipped_rows": len(self.problems)})
        return out

    def gate(self, model: Model) -> GateResult:
        """Compare ``model`` with the current default on the benchmark test splits and on the
        held-out fifth of the new labels."""
        current_name = self.registry.default_name()
        if current_name is None:
            return GateResult(True, ["there is no current default model"])
        current = load_model(self.registry.path(current_name))
        assert self.data is not None
        test = self.data[self.data["split"] == "test"]
        rows: list[dict[str, Any]] = []
        reasons: list[str] = []
        passed = True
        for source, sub in test.groupby("source"):
            new_scores = model.predict_proba(sub["text"].tolist())
            cur_scores = current.predict_proba(sub["text"].tolist())
            held_out = source == NEW_SOURCE
            for j, label in enumerate(LABELS):
                y = sub[label].astype(float)
                if y.notna().sum() < (1 if held_out else 20) or y.dropna().nunique() < (1 if held_out else 2):
                    continue
                new_f1 = binary_metrics(y, new_scores[:, j], model.thresholds[label]).get("f1", 0.0)
                cur_f1 = binary_metrics(y, cur_scores[:, j], current.thresholds[label]).get("f1", 0.0)
                change = new_f1 - cur_f1
                ok = change >= 0 if held_out else change >= -MAX_BENCHMARK_DROP
                name = "new labels (held-out fifth)" if held_out else str(source)
                rows.append({"set": name, "label": label, "current_f1": cur_f1, "new_f1": new_f1,
                             "change": change, "ok": ok})
                if not ok:
                    passed = False
                    reasons.append(
                        f"{name} {label}: F1 {new_f1:.3f} vs current {cur_f1:.3f}"
                        + (" (must not be lower)" if held_out else f" (drop over {MAX_BENCHMARK_DROP})")
                    )
        if passed:
            reasons.append("no benchmark F1 dropped by more than 0.02 and the held-out new labels "
                           "scored at least as well as with the current default")
        return GateResult(passed, reasons, rows)

    def run(self) -> dict[str, Any]:
        """Train, save the new version atomically, gate it and promote it if it passes."""
        self.validate()
        self._clean_stale()
        model = self.fit()
        verdict = self.gate(model) if self.promote else GateResult(False, ["--no-promote was given"])
        model.card["gate"] = {"passed": verdict.passed, "reasons": verdict.reasons, "rows": verdict.rows,
                              "compared_with": self.registry.default_name()}
        path = model.save(self.registry.root / self.name)
        promoted = self.promote and (verdict.passed or self.force)
        if promoted:
            self.registry.use(self.name)
        return {"path": path, "model": model, "gate": verdict, "promoted": promoted,
                "skipped": self.problems}

    def _clean_stale(self) -> None:
        """Remove temporary folders left by runs that were killed while saving."""
        if self.registry.root.is_dir():
            for tmp in self.registry.root.glob(".tmp-*"):
                shutil.rmtree(tmp, ignore_errors=True)
