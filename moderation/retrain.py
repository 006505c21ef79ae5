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
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from moderation.evaluate import binary_metrics
from moderation.features import LABELS
from moderation.io import FALLBACK_ENCODING, csv_delimiter
from moderation.jsonsafe import JSONDepthError, loads_bounded
from moderation.model import Model, ModelError, load_model, read_card
from moderation.registry import ModelRegistry
from moderation.training import TrainConfig, train_model

__all__ = ["GateResult", "LabelsError", "Trainer", "load_labels", "train"]

#: Sample weight of a team's new labels (by default our own comments weigh 10, corpora 0.5 to 5).
NEW_LABEL_WEIGHT = 20.0
#: Largest drop in F1 on any benchmark label that still lets a new model be promoted.
MAX_BENCHMARK_DROP = 0.02
#: A benchmark set gates promotion only when it is big enough for a 0.02 change in F1 to mean
#: something (one flipped comment moves F1 by about 0.02 on a set of 50); smaller sets are shown
#: in the comparison for information.
MIN_GATING_ROWS = 100
MIN_GATING_POSITIVES = 20
#: Tolerance for float rounding when comparing F1 scores in the gate.
_EPS = 1e-9
NEW_SOURCE = "new_labels"
_TRUE = {"1", "yes", "true", "y", "t", "1.0"}
_FALSE = {"0", "no", "false", "n", "f", "0.0"}
#: Allowed model version names: no path separators, not hidden, not the pointer files.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_RESERVED = {"DEFAULT", "HISTORY"}
_LABEL_SUFFIXES = {".csv", ".tsv", ".txt", ".jsonl", ".json", ".ndjson"}


@dataclass(frozen=True)
class Problem:
    """One invalid row of a labels file."""

    file: str
    line: int
    message: str
    #: A problem with the whole file (missing, unreadable, wrong columns): never skippable.
    fatal: bool = False

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line > 0 else self.file
        return f"{where}: {self.message}"


class LabelsError(ValueError):
    """A labels file has invalid rows; ``problems`` lists each with its file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        head = "\n".join(str(p) for p in problems[:50])
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} invalid label row(s):\n{head}{more}")


def _is_missing(value: Any) -> bool:
    """None, NaN, pd.NA or NaT (scalars only)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value)) if np.ndim(value) == 0 else False
    except (TypeError, ValueError):
        return False


def _parse_value(value: Any) -> float | None | str:
    """1.0/0.0, None for empty, or the original text when it is not an allowed value."""
    if _is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return float(value)
    s = str(value).strip().lower()
    if s == "":
        return None
    if s in _TRUE:
        return 1.0
    if s in _FALSE:
        return 0.0
    return str(value)


def _column(name: Any) -> str:
    """Column name with spaces trimmed; ``Text``/``HOSTILE`` etc. match case-insensitively."""
    name = str(name).strip()
    return name.lower() if name.lower() in ("text", *LABELS) else name


class _DuplicateKey(ValueError):
    """A JSON object names the same key twice."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` refusing a key given twice (``json`` would keep the last silently)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _rows_of(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """(line number, row) pairs and the column names of a CSV/TSV or JSONL labels file."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode(FALLBACK_ENCODING, errors="replace")
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        rows, columns = [], []
        # lines end at "\n" only: str.splitlines would also split inside a JSON string holding
        # a raw U+2028 or U+0085, turning one good line into two bad ones
        for n, line in enumerate(text.split("\n"), start=1):
            line = line.removesuffix("\r")
            if not line.strip():
                continue
            try:
                obj = loads_bounded(line, object_pairs_hook=_no_duplicate_keys)
            except _DuplicateKey as exc:
                rows.append((n, {"__error__": f"the key {exc.args[0]!r} appears twice; keep one, so it "
                                 "is clear which value counts"}))
                continue
            except JSONDepthError as exc:
                rows.append((n, {"__error__": f"a JSON value {exc}"}))
                continue
            except json.JSONDecodeError as exc:
                rows.append((n, {"__error__": f"not valid JSON ({exc.msg})"}))
                continue
            if not isinstance(obj, dict):
                rows.append((n, {"__error__": "a JSONL line must be an object"}))
                continue
            named = [_column(k) for k in obj]
            twice = sorted({k for k in named if named.count(k) > 1})
            if twice:  # "Hostile" and "hostile" both name the hostile label
                rows.append((n, {"__error__": f"the key {twice[0]!r} appears twice (in different "
                                 "cases); keep one, so it is clear which value counts"}))
                continue
            obj = {_column(k): v for k, v in obj.items()}
            columns.extend(k for k in obj if k not in columns)
            rows.append((n, obj))
        return rows, columns
    # the same rule as `moderation score` (moderation.io.sniff_csv)
    delimiter = csv_delimiter(text.lstrip().partition("\n")[0], path.suffix)
    # strict: a quote that is never closed, or closed in the middle of a cell, is an error
    # instead of silently turning the rest of the file into one cell
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows = []
    while True:
        start = reader.line_num + 1  # a record may span lines: number it by its first line
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # the reader cannot tell where the damaged record ends: everything after it is unread
            rows.append((start, {"__error__": (
                f"not valid CSV from here to line {reader.line_num} ({exc}): a quote (\") opens a cell "
                "that is never closed properly; quote the whole cell and double every quote inside "
                'it ("say ""hi"""), or remove the stray quote. The rest of the file was not read'),
                "__fatal__": True}))
            break
        if not any(cell.strip() for cell in record):
            continue  # blank line
        if header is None:
            header = [_column(h) for h in record]
            twice = sorted({h for h in header if header.count(h) > 1 and h in ("text", *LABELS)})
            if twice:
                places = "; ".join(
                    f"{h!r} in columns {', '.join(str(k + 1) for k, c in enumerate(header) if c == h)}"
                    for h in twice
                )
                rows.append((start, {"__error__": f"the header names a column twice ({places}); keep "
                                     "one of each, so it is clear which values count", "__fatal__": True}))
                break
            continue
        if len(record) > len(header):
            rows.append((start, {"__error__": f"{len(record)} cells but the header has {len(header)} "
                                 "(is a comma in the text not quoted?)"}))
            continue
        rows.append((start, dict(zip(header, record, strict=False))))
    return rows, list(header or [])


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
    unlabelled = 0
    for k, src in enumerate(sources):
        if isinstance(src, pd.DataFrame):
            name = "<DataFrame>" if len(sources) == 1 else f"<DataFrame {k + 1}>"
            src = src.rename(columns=_column)
            columns = list(src.columns)
            twice = sorted({str(c) for c in columns if columns.count(c) > 1 and c in ("text", *LABELS)})
            if twice:
                problems.append(Problem(name, 0, f"column(s) {', '.join(map(repr, twice))} appear twice; "
                                        "keep one of each", fatal=True))
                continue
            rows = [(i + 1, r) for i, r in enumerate(src.to_dict("records"))]
        else:
            path = Path(src)
            name = str(path)
            if not path.is_file():
                problems.append(Problem(name, 0, "file not found", fatal=True))
                continue
            if path.suffix.lower() not in _LABEL_SUFFIXES:
                problems.append(Problem(name, 0, "a labels file must be CSV (.csv), TSV (.tsv) or "
                                        "JSONL (.jsonl)", fatal=True))
                continue
            try:
                rows, columns = _rows_of(path)
            except OSError as exc:
                problems.append(Problem(name, 0, f"cannot read ({exc.strerror or exc})", fatal=True))
                continue
        json_file = not isinstance(src, pd.DataFrame) and Path(src).suffix.lower() == ".jsonl"
        missing = [c for c in ("text",) if c not in columns]
        if missing or not any(label in columns for label in LABELS):
            problems.append(
                Problem(name, 1, "needs a 'text' column and at least one of 'hostile', 'conspiratorial' "
                        f"(found: {', '.join(map(str, columns)) or 'none'})", fatal=True)
            )
            continue
        for line, row in rows:
            if "__error__" in row:
                problems.append(Problem(name, line, row["__error__"], fatal=bool(row.get("__fatal__"))))
                continue
            text = row.get("text")
            if json_file and not (text is None or isinstance(text, str)):
                # JSON says what a value is: true, 12 or [..] is not a comment's text
                problems.append(Problem(name, line, f"text is a JSON {_json_kind(text)}, not a string; "
                                        "write the comment in quotes"))
                continue
            text = "" if _is_missing(text) else str(text)
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
                unlabelled += 1  # not filled in yet (e.g. a review file): nothing to learn, not an error
                continue
            records.append(rec)
    frame = pd.DataFrame(records, columns=["text", *LABELS, "file", "line"])
    if not frame.empty:
        frame["key"] = frame["text"].map(dedup_key)
        conflicted: set[int] = set()
        for label in LABELS:
            known = frame[frame[label].notna()]
            spread = known.groupby("key")[label].nunique()
            for key in spread[spread > 1].index:
                grp = known[known["key"] == key]
                for idx, r in grp.iterrows():
                    other = grp[grp[label] != r[label]].iloc[0]
                    where = f"{other['file']}:{int(other['line'])}"
                    problems.append(
                        Problem(r["file"], int(r["line"]), f"same text labelled {label}={int(r[label])} "
                                f"here and {label}={int(other[label])} at {where}")
                    )
                    conflicted.add(idx)
        frame = frame.drop(index=sorted(conflicted))
        frame = _merge_duplicates(frame)
    frame.attrs["unlabelled"] = unlabelled
    if any(p.fatal for p in problems) or (problems and not skip_invalid):
        raise LabelsError(problems)
    if frame.empty and (problems or unlabelled):
        raise LabelsError([*problems, Problem(", ".join(_names(sources)), 0, "no labelled rows to "
                           f"train on ({len(problems)} invalid, {unlabelled} with both labels empty)",
                           fatal=True)])
    return frame, problems


def _json_kind(value: Any) -> str:
    """The JSON name of a decoded value's type, for messages."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else type(value).__name__


def _names(sources: list[Any]) -> list[str]:
    return ["<DataFrame>" if isinstance(s, pd.DataFrame) else str(s) for s in sources]


def _merge_duplicates(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per normalised text: each label's last known value, text and place of the last row."""
    if frame["key"].is_unique:
        return frame.drop(columns="key").reset_index(drop=True)
    grouped = frame.groupby("key", sort=False)
    merged = grouped[["text", "file", "line"]].last()
    for label in LABELS:
        merged[label] = grouped[label].last()  # last non-null value
    merged = merged.reindex(frame.drop_duplicates("key", keep="last")["key"])
    return merged.reset_index(drop=True)[["text", *LABELS, "file", "line"]]


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
                f"{(r['change'] if r['change'] is not None else 0):>+8.3f}  "
                + ("yes" if r["ok"] else "NO" if r.get("gating", True) else "(small set, not gating)")
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
        if base not in ("default", "none"):
            raise ValueError(f"base must be 'default' or 'none', not {base!r}")
        if not label_weight > 0:
            raise ValueError(f"the label weight must be positive, not {label_weight!r}")
        self.labels_in = [] if labels is None else (labels if isinstance(labels, list) else [labels])
        self.base = base
        self.corpora = corpora
        self.config = config
        self.label_weight = float(label_weight)
        self.skip_invalid = skip_invalid
        self.name = name or datetime.now(timezone.utc).strftime("model-%Y%m%d-%H%M%S")
        self.force = force
        self.promote = promote
        self.registry = registry or ModelRegistry()
        self.labels: pd.DataFrame | None = None
        self.problems: list[Problem] = []
        self.data: pd.DataFrame | None = None

    def check_name(self) -> Path:
        """Folder the new version will be written to; raises ValueError for an unusable name
        and FileExistsError for a version that exists (versions are never overwritten)."""
        if not _NAME.fullmatch(self.name) or self.name in _RESERVED:
            raise ValueError(f"{self.name!r} is not a usable model name: use letters, digits, '.', '_' "
                             "and '-', starting with a letter or digit")
        folder = self.registry.root / self.name
        if folder.exists():
            raise FileExistsError(f"{folder} already exists; pick another name (versions are never "
                                  "overwritten).")
        return folder

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
            except (FileNotFoundError, TypeError, ModelError):
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
        extra = {"labels_files": info, "base": self.base, "label_weight": self.label_weight}
        return train_model(self.data, self._config(), extra_card=extra)

    def _labels_info(self) -> list[dict[str, Any]]:
        """Per labels file: name, SHA-256, rows used, label counts and rows skipped."""
        out = []
        labels = self.labels if self.labels is not None else pd.DataFrame(columns=["file", *LABELS])
        single = len(self.labels_in) == 1
        for k, src in enumerate(self.labels_in):
            if isinstance(src, pd.DataFrame):
                name = "<DataFrame>" if single else f"<DataFrame {k + 1}>"
                entry: dict[str, Any] = {"file": name, "rows": int(len(src))}
                digest = hashlib.sha256(pd.util.hash_pandas_object(src.astype(str), index=False)
                                        .to_numpy().tobytes()).hexdigest()
                entry["sha256"] = digest
            else:
                path = Path(src)
                name = str(path)
                if not path.is_file():
                    continue
                entry = {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
            mine = labels[labels["file"] == name]
            entry["rows_used"] = int(len(mine))
            for label in LABELS:
                values = mine[label]
                entry[label] = {"1": int((values == 1).sum()), "0": int((values == 0).sum())}
            entry["held_out"] = int(_holdout(mine["text"]).sum()) if len(mine) else 0
            entry["skipped_rows"] = sum(1 for p in self.problems if p.file == name)
            out.append(entry)
        return out

    def gate(self, model: Model) -> GateResult:
        """Compare ``model`` with the current default on the benchmark test splits, on the
        held-out fifth of the new labels and on the functional suite (:mod:`moderation.check`:
        floors per functionality, and no drop over ``check.MAX_DROP`` against the default)."""
        current_name = self.registry.default_name()
        if current_name is None:
            return GateResult(True, ["there is no current default model"])
        try:
            current = load_model(self.registry.path(current_name))
        except Exception as exc:  # any unloadable default: refuse to promote, never crash
            return GateResult(False, [f"the current default {current_name!r} cannot be loaded to "
                                      f"compare with ({str(exc).splitlines()[0]}); promote with "
                                      "--force or `moderation models use NAME`"])
        assert self.data is not None
        test = self.data[self.data["split"] == "test"]
        if self.base == "none":
            # a model trained on the new labels alone still answers to the benchmark
            from moderation.dataset import dedup_key

            bench = _base_dataset("default", self.corpora)
            new_keys = set(test["text"].map(dedup_key))
            bench = bench[(bench["split"] == "test") & ~bench["text"].map(dedup_key).isin(new_keys)]
            test = pd.concat([bench.reindex(columns=test.columns), test], ignore_index=True)
        rows: list[dict[str, Any]] = []
        reasons: list[str] = []
        small_held_out: list[str] = []
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
                # a small set (the held-out fifth of a few dozen labels too) is shown, never
                # gating: one comment would move its F1 by more than the allowed drop
                gating = bool(
                    y.notna().sum() >= MIN_GATING_ROWS and (y == 1).sum() >= MIN_GATING_POSITIVES
                )
                if held_out and not gating:
                    small_held_out.append(f"{label} {int(y.notna().sum())} rows, "
                                          f"{int((y == 1).sum())} positive")
                ok = change >= -_EPS if held_out else change >= -MAX_BENCHMARK_DROP - _EPS
                name = "new labels (held-out fifth)" if held_out else str(source)
                rows.append({"set": name, "label": label, "current_f1": cur_f1, "new_f1": new_f1,
                             "change": change, "ok": ok, "gating": gating})
                if not ok and gating:
                    passed = False
                    reasons.append(
                        f"{name} {label}: F1 {new_f1:.3f} vs current {cur_f1:.3f}"
                        + (" (must not be lower)" if held_out else f" (drop over {MAX_BENCHMARK_DROP})")
                    )
        # the functional suite (`moderation check`): every functionality at or above its floor
        # and no more than MAX_DROP below the current default's accuracy on it
        from moderation.check import MAX_DROP, gate_reasons

        check_reasons = gate_reasons(model, current)
        if check_reasons:
            passed = False
            reasons.extend(check_reasons)
        if small_held_out:
            reasons.append(
                "the held-out new labels did not gate (" + "; ".join(small_held_out) + f"): below "
                f"{MIN_GATING_ROWS} rows or {MIN_GATING_POSITIVES} positives a label, their F1 is "
                "shown for information only; label more comments for them to gate"
            )
        if passed:
            held = any(r["set"].startswith("new labels") and r["gating"] for r in rows)
            reasons.append(f"no benchmark F1 dropped by more than {MAX_BENCHMARK_DROP}"
                           + (" and the held-out new labels scored at least as well as with the "
                              "current default" if held else
                              " (no held-out new labels to compare on)"))
            reasons.append("every functional check is at or above its floor and within "
                           f"{MAX_DROP:.2f} of the current default")
        return GateResult(passed, reasons, rows)

    def run(self) -> dict[str, Any]:
        """Train, save the new version atomically, gate it and promote it if it passes.

        Returns a dict with ``path``, ``model``, ``gate`` (:class:`GateResult`), ``promoted``
        and ``skipped`` (the invalid rows left out with ``skip_invalid``).
        """
        self.check_name()
        self.validate()
        self._clean_stale()
        model = self.fit()
        verdict = self.gate(model)
        model.card["gate"] = {"passed": verdict.passed, "reasons": verdict.reasons, "rows": verdict.rows,
                              "compared_with": self.registry.default_name(),
                              "forced": bool(self.force and not verdict.passed)}
        path = model.save(self.registry.root / self.name)
        promoted = self.promote and (verdict.passed or self.force)
        if promoted:
            self.registry.use(self.name)
        return {"path": path, "model": model, "gate": verdict, "promoted": promoted,
                "skipped": self.problems}

    def _clean_stale(self) -> None:
        """Remove temporary folders left by runs that were killed while saving. A save holds
        the models folder's lock (:func:`moderation.atomic.locked`) until its version is in
        place, so the folder another run is still writing is never removed."""
        from moderation.atomic import remove_stale_dirs

        remove_stale_dirs(self.registry.root, ".tmp-")
