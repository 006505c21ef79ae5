"""Functional tests of a model (``moderation check``), in the spirit of HateCheck and CheckList.

The suite is a fixed set of short comments, each testing one *functionality*: one thing the
model must get right for one label, such as "a direct threat is HOSTILE", "a group named
neutrally is not HOSTILE" or "a documented scandal is not CONSPIRATORIAL". It is generated
deterministically from data kept in ``moderation/resources/check/``:

``functionalities.csv``
    ``functionality, label, expected, description``: what each functionality tests and which
    answer (1 or 0) every one of its cases expects for its label.
``templates.csv``
    ``template_id, functionality, cases, template``: a template such as
    ``"{group} disgust me, every single one of them."`` and how many cases it yields. A
    placeholder ``{name}`` takes values from the list ``name`` of ``fillins.json``;
    ``{a:name}`` puts "a" or "an" before the value. Values are drawn round-robin per
    functionality and list, starting at a fixed offset, so a functionality's templates
    together cover the whole list (groups, persons, events ...) and the same data always
    gives the same suite. A case's id is ``<template_id>.<nn>``.
``fillins.json``
    The fill-in lists (groups, persons, insults, slurs, events ...).
``cases.csv``
    ``id, functionality, text``: hand-written cases that templates cannot express.
``floors.json``
    The lowest accuracy each functionality may have (see :func:`load_floors`). A model whose
    accuracy on any functionality falls below its floor fails ``moderation check`` and is
    refused by the retraining gate (:func:`gate_reasons`).

A case is answered correctly when ``score >= threshold`` (the model's own threshold for the
case's label) agrees with its expected value. Accuracy on a functionality whose cases expect 1
is the recall on that kind of comment; on one whose cases expect 0, one minus the false
positive rate. Every suite case is kept apart from the training data (no exact or near copy in
our labelled comments or the built dataset; ``tests/test_check.py`` checks it with
:func:`near_copies`), so the suite measures generalisation, not recall of training examples.
"""

from __future__ import annotations

import csv
import json
import math
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from moderation.features import LABELS

__all__ = [
    "CheckReport",
    "FLOORS_FILE",
    "FLOOR_STEP",
    "Functionality",
    "FunctionalityResult",
    "MAX_DROP",
    "RESOURCES",
    "compare_reports",
    "floors_from_report",
    "gate_reasons",
    "generate_suite",
    "load_floors",
    "load_functionalities",
    "near_copies",
    "run_check",
    "write_floors",
]

#: Folder of the suite's data files.
RESOURCES = Path(__file__).resolve().parent / "resources" / "check"
#: The floors file the CLI and the retraining gate use by default.
FLOORS_FILE = RESOURCES / "floors.json"
#: Floors are accuracies rounded down to a multiple of this step.
FLOOR_STEP = 0.05
#: Largest drop in accuracy on any functionality, against the current default model, that the
#: retraining gate accepts.
MAX_DROP = 0.10
#: Columns of a suite table, in order.
SUITE_COLUMNS = ("id", "functionality", "label", "expected", "text", "template")
#: Tolerance for float rounding when comparing accuracies with floors.
_EPS = 1e-9
_PLACEHOLDER = re.compile(r"\{(?:(a):)?([a-z][a-z0-9_]*)\}")
_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*")


# ----------------------------------------------------------------------------- the suite
@dataclass(frozen=True)
class Functionality:
    """One functionality: what it tests, for which label, and the answer its cases expect."""

    name: str
    label: str
    expected: int
    description: str


def _read_csv(path: Path, columns: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a small UTF-8 CSV file whose header must be ``columns``."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; the check suite needs it (reinstall the "
                                "package or restore the file from version control).")
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        if [h.strip() for h in header] != list(columns):
            raise ValueError(f"{path}: the header must be {','.join(columns)}, not {','.join(header)}")
        rows = []
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            line = reader.line_num
            if len(record) != len(columns):
                raise ValueError(f"{path}:{line}: {len(record)} cells, expected {len(columns)} "
                                 "(quote a text that contains a comma)")
            rows.append((line, {c: v.strip() for c, v in zip(columns, record, strict=True)}))
    return rows


def load_functionalities(folder: str | Path | None = None) -> dict[str, Functionality]:
    """The functionalities of the suite, in file order.

    Parameters
    ----------
    folder : str or Path, optional
        Folder of the suite's data files (default: :data:`RESOURCES`).

    Returns
    -------
    dict of str to Functionality
        Keyed by name.

    Raises
    ------
    ValueError
        A row names an unknown label, an expected value other than 0/1, or a duplicate name.
    """
    path = Path(folder or RESOURCES) / "functionalities.csv"
    out: dict[str, Functionality] = {}
    for line, row in _read_csv(path, ("functionality", "label", "expected", "description")):
        name = row["functionality"]
        where = f"{path}:{line}"
        if not _ID.fullmatch(name):
            raise ValueError(f"{where}: {name!r} is not a usable name (lower-case letters, digits, '_')")
        if name in out:
            raise ValueError(f"{where}: functionality {name!r} is defined twice; rename one")
        if row["label"] not in LABELS:
            raise ValueError(f"{where}: label {row['label']!r} is not one of {', '.join(LABELS)}")
        if row["expected"] not in ("0", "1"):
            raise ValueError(f"{where}: expected must be 0 or 1, not {row['expected']!r}")
        out[name] = Functionality(name, row["label"], int(row["expected"]), row["description"])
    return out


def _article(word: str) -> str:
    """'a' or 'an' for ``word`` (by its first letter, with the common exceptions)."""
    w = word.lower()
    if w.startswith(("eu", "uni", "use", "one", "usu")):
        return "a"
    if w.startswith(("hour", "honest", "heir")):
        return "an"
    return "an" if w[:1] in "aeiou" else "a"


def _fill(template: str, values: Mapping[str, str]) -> str:
    text = _PLACEHOLDER.sub(
        lambda m: (f"{_article(values[m[2]])} " if m[1] else "") + values[m[2]], template)
    if template.startswith("{") and text[:1].islower():
        text = text[0].upper() + text[1:]  # a sentence that opens with a fill-in
    return text


def generate_suite(folder: str | Path | None = None) -> pd.DataFrame:
    """Generate the suite: every template expanded with its fill-ins, plus the hand-written cases.

    The result depends only on the data files: fill-ins are drawn round-robin, per functionality
    and per list, from an offset fixed by a CRC32 of the functionality's and the list's names.

    Parameters
    ----------
    folder : str or Path, optional
        Folder of the suite's data files (default: :data:`RESOURCES`).

    Returns
    -------
    pandas.DataFrame
        One row per case with :data:`SUITE_COLUMNS`: ``id``, ``functionality``, ``label``,
        ``expected`` (0/1), ``text`` and ``template`` (the template id, or ``""`` for a
        hand-written case); templates first, in file order, then the hand-written cases.

    Raises
    ------
    ValueError
        A template uses an undefined list or asks for more cases than its lists allow, a case
        names an unknown functionality, two cases share an id or the same normalised text, or a
        case has no words (the separation from training data is checked on words).
    """
    from moderation.dataset import dedup_key

    folder = Path(folder or RESOURCES)
    functionalities = load_functionalities(folder)
    fillins_path = folder / "fillins.json"
    try:
        fillins = json.loads(fillins_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{fillins_path} is missing; restore it from version control.") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{fillins_path}: not valid JSON ({exc}); fix the file") from None
    for name, values in fillins.items():
        if not (isinstance(values, list) and values and all(isinstance(v, str) and v.strip()
                                                            for v in values)):
            raise ValueError(f"{fillins_path}: {name!r} must be a non-empty list of non-empty strings")
        if len(set(values)) != len(values):
            raise ValueError(f"{fillins_path}: list {name!r} repeats a value; remove the repeat")

    rows: list[dict[str, Any]] = []
    cursors: dict[tuple[str, str], int] = {}
    templates_path = folder / "templates.csv"
    for line, row in _read_csv(templates_path, ("template_id", "functionality", "cases", "template")):
        where = f"{templates_path}:{line}"
        tid, func, template = row["template_id"], row["functionality"], row["template"]
        if func not in functionalities:
            raise ValueError(f"{where}: unknown functionality {func!r}; add it to functionalities.csv")
        if not _ID.fullmatch(tid):
            raise ValueError(f"{where}: {tid!r} is not a usable template id")
        try:
            count = int(row["cases"])
        except ValueError:
            raise ValueError(f"{where}: cases must be a whole number, not {row['cases']!r}") from None
        names = list(dict.fromkeys(m[2] for m in _PLACEHOLDER.finditer(template)))
        undefined = [n for n in names if n not in fillins]
        if undefined:
            raise ValueError(f"{where}: {{{undefined[0]}}} is not a list in fillins.json; add the "
                             "list or fix the placeholder")
        leftover = _PLACEHOLDER.sub("", template)
        if "{" in leftover or "}" in leftover:
            raise ValueError(f"{where}: a brace that is not a placeholder ({{name}} or {{a:name}})")
        if not names and count != 1:
            raise ValueError(f"{where}: a template without placeholders yields exactly 1 case")
        too_many = [n for n in names if count > len(fillins[n])]
        if too_many:
            raise ValueError(f"{where}: {count} cases but list {too_many[0]!r} has only "
                             f"{len(fillins[too_many[0]])} values; lower cases or add values")
        for j in range(count):
            values = {}
            for n in names:
                key = (func, n)
                if key not in cursors:
                    cursors[key] = zlib.crc32(f"{func}/{n}".encode()) % len(fillins[n])
                values[n] = fillins[n][cursors[key] % len(fillins[n])]
                cursors[key] += 1
            rows.append({"id": f"{tid}.{j + 1:02d}", "functionality": func,
                         "text": _fill(template, values), "template": tid, "where": where})

    cases_path = folder / "cases.csv"
    for line, row in _read_csv(cases_path, ("id", "functionality", "text")):
        where = f"{cases_path}:{line}"
        if row["functionality"] not in functionalities:
            raise ValueError(f"{where}: unknown functionality {row['functionality']!r}; add it to "
                             "functionalities.csv or fix the name")
        if not _ID.fullmatch(row["id"]):
            raise ValueError(f"{where}: {row['id']!r} is not a usable id")
        rows.append({**row, "template": "", "where": where})

    seen_ids: dict[str, str] = {}
    seen_keys: dict[str, str] = {}
    for r in rows:
        if r["id"] in seen_ids:
            raise ValueError(f"{r['where']}: id {r['id']!r} is used twice (also {seen_ids[r['id']]})")
        seen_ids[r["id"]] = r["where"]
        key = dedup_key(r["text"])
        if not key:
            raise ValueError(f"{r['where']}: case {r['id']} has no words; add some so that its "
                             "separation from the training data can be checked")
        if key in seen_keys:
            raise ValueError(f"{r['where']}: case {r['id']} has the same normalised text as case "
                             f"{seen_keys[key]}; reword one of them")
        seen_keys[key] = r["id"]
    frame = pd.DataFrame(rows, columns=[*SUITE_COLUMNS, "where"]).drop(columns="where")
    frame["label"] = frame["functionality"].map(lambda f: functionalities[f].label)
    frame["expected"] = frame["functionality"].map(lambda f: functionalities[f].expected).astype(int)
    return frame[list(SUITE_COLUMNS)].reset_index(drop=True)


# ---------------------------------------------------------------------------------- floors
def load_floors(path: str | Path | None = None, *,
                functionalities: Iterable[str] | None = None) -> dict[str, float]:
    """Read a floors file: the lowest accepted accuracy per functionality.

    The file is JSON, ``{"floors": {"<functionality>": 0.35, ...}, ...}``; other keys are
    notes for people. A functionality without a floor is reported but never fails.

    Parameters
    ----------
    path : str or Path, optional
        The floors file (default: :data:`FLOORS_FILE`, read when called).
    functionalities : iterable of str, optional
        Known functionality names (default: those of the shipped suite); a floor for any
        other name is an error, so that a typo cannot silently switch a floor off.

    Returns
    -------
    dict of str to float

    Raises
    ------
    FileNotFoundError, ValueError
        The file is missing, is not valid JSON, or holds a floor outside [0, 1] or for an
        unknown functionality.
    """
    path = Path(path) if path is not None else FLOORS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"floors file {path} not found; pass an existing file (the shipped "
                                f"one is {FLOORS_FILE})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc}); fix the file") from None
    floors = data.get("floors") if isinstance(data, dict) else None
    if not isinstance(floors, dict):
        raise ValueError(f'{path}: expected an object with a "floors" object, e.g. '
                         '{"floors": {"threat_direct": 0.5}}')
    known = set(functionalities) if functionalities is not None else set(load_functionalities())
    out: dict[str, float] = {}
    for name, value in floors.items():
        if name not in known:
            raise ValueError(f"{path}: floor for unknown functionality {name!r}; known: "
                             f"{', '.join(sorted(known))}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"{path}: the floor of {name!r} must be a number from 0 to 1, not {value!r}")
        out[name] = float(value)
    return out


#: Highest floor :func:`floors_from_report` sets: one case of slack on a perfect functionality.
FLOOR_CAP = 0.95


def _round_down(value: float, step: float = FLOOR_STEP) -> float:
    return round(math.floor(value / step + 1e-9) * step, 4)


def floors_from_report(report: CheckReport, *, current: Mapping[str, float] | None = None,
                       step: float = FLOOR_STEP) -> dict[str, float]:
    """Floors from a report: each accuracy rounded down to ``step``, never below ``current``.

    Floors only ever rise: pass the floors in force as ``current`` and a functionality on
    which this model is worse keeps its old floor.

    Parameters
    ----------
    report : CheckReport
        The run of the model whose accuracy sets the floors (e.g. a newly shipped model).
    current : mapping, optional
        The floors in force.
    step : float
        Rounding step.

    Returns
    -------
    dict of str to float
    """
    current = current or {}
    # capped: a floor of 1.0 would fail the next model over one case of a perfect functionality
    return {r.functionality: max(min(_round_down(r.accuracy, step), FLOOR_CAP),
                                 current.get(r.functionality, 0.0))
            for r in report.results}


def write_floors(floors: Mapping[str, float], path: str | Path | None = None, *,
                 note: str = "") -> Path:
    """Write a floors file (see :func:`load_floors`), keys in suite order.

    Parameters
    ----------
    floors : mapping of str to float
    path : str or Path, optional
        Default :data:`FLOORS_FILE`.
    note : str
        Recorded under ``"set_from"`` (e.g. the model the floors come from).

    Returns
    -------
    Path

    Notes
    -----
    The file's ``"history"`` (decisions about floors, written by people) is kept, with a line
    added for this change.
    """
    path = Path(path) if path is not None else FLOORS_FILE
    history = ""
    try:
        history = str(json.loads(path.read_text(encoding="utf-8")).get("history", ""))
    except (OSError, ValueError, AttributeError):
        pass
    order = {name: i for i, name in enumerate(load_functionalities())}
    data = {
        "about": ("Lowest accepted accuracy per functionality of `moderation check` (see "
                  "moderation/check.py and the README). A model below any floor fails the check "
                  "and is refused by the retraining gate. Raise floors when a better model ships "
                  "(`moderation check --model models/NAME --raise-floors`); never lower them to "
                  "let a model through."),
        "step": FLOOR_STEP,
        "set_from": note,
        "updated": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "floors": {k: round(float(floors[k]), 4)
                   for k in sorted(floors, key=lambda k: (order.get(k, len(order)), k))},
    }
    today = data["updated"]
    entry = f"{today}: floors raised from {note}." if note else ""
    if history or entry:
        data["history"] = f"{history} {entry}".strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


# ---------------------------------------------------------------------------------- running
@dataclass(frozen=True)
class FunctionalityResult:
    """A model's accuracy on one functionality, with its floor."""

    functionality: str
    label: str
    expected: int
    description: str
    n: int
    accuracy: float
    floor: float | None
    #: Share of the cases flagged for the *other* label (informative, never gating).
    other_flag_rate: float

    @property
    def passed(self) -> bool:
        """True when there is no floor or the accuracy reaches it."""
        return self.floor is None or self.accuracy >= self.floor - _EPS

    @property
    def status(self) -> str:
        """``ok``, ``FAIL`` or ``no floor``."""
        return "no floor" if self.floor is None else "ok" if self.passed else "FAIL"

    def __str__(self) -> str:
        floor = "none" if self.floor is None else f"{self.floor:.2f}"
        return (f"{self.functionality} ({self.label}, expects {self.expected}): accuracy "
                f"{self.accuracy:.2f} on {self.n} cases, floor {floor}")


@dataclass
class CheckReport:
    """The result of :func:`run_check`.

    Attributes
    ----------
    model : str
        The model's version.
    thresholds : dict
        The thresholds applied, per label.
    cases : pandas.DataFrame
        The suite plus ``hostile_score``, ``conspiratorial_score``, ``score`` (of the case's
        label), ``predicted`` (0/1), ``correct`` (bool) and ``other_flag`` (the other label
        flagged).
    results : list of FunctionalityResult
        One per functionality, in suite order.
    labels : dict
        Per label: ``n``, ``accuracy`` and ``roc_auc`` (None unless both classes occur).
    floors_file : str or None
        Where the floors came from.
    """

    model: str
    thresholds: dict[str, float]
    cases: pd.DataFrame
    results: list[FunctionalityResult]
    labels: dict[str, dict[str, Any]]
    floors_file: str | None = None
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @property
    def failures(self) -> list[FunctionalityResult]:
        """The functionalities whose accuracy is below their floor."""
        return [r for r in self.results if not r.passed]

    @property
    def passed(self) -> bool:
        """True when every functionality reaches its floor."""
        return not self.failures

    @property
    def failed_cases(self) -> pd.DataFrame:
        """The cases the model got wrong."""
        return self.cases[~self.cases["correct"]]

    @property
    def accuracy(self) -> float:
        """Accuracy over all cases."""
        return float(self.cases["correct"].mean()) if len(self.cases) else float("nan")

    @property
    def macro_accuracy(self) -> float:
        """Mean of the per-functionality accuracies (every functionality weighs the same)."""
        return float(np.mean([r.accuracy for r in self.results])) if self.results else float("nan")

    def result(self, functionality: str) -> FunctionalityResult:
        """The result of one functionality (KeyError if it is not in the suite)."""
        for r in self.results:
            if r.functionality == functionality:
                return r
        raise KeyError(f"no functionality {functionality!r} in this report")

    def frame(self) -> pd.DataFrame:
        """The per-functionality results as a table."""
        return pd.DataFrame([{**r.__dict__, "status": r.status} for r in self.results])

    def table(self) -> str:
        """Compact plain-text table: functionality, label, n, accuracy, floor, status."""
        width = max([len("functionality"), *(len(r.functionality) for r in self.results)])
        lines = [f"{'functionality':<{width}}  {'label':<14} {'expects':>7} {'n':>4} "
                 f"{'accuracy':>8} {'floor':>6}  status"]
        for r in self.results:
            floor = "–" if r.floor is None else f"{r.floor:.2f}"
            lines.append(f"{r.functionality:<{width}}  {r.label:<14} {r.expected:>7} {r.n:>4} "
                         f"{r.accuracy:>8.2f} {floor:>6}  {r.status}")
        return "\n".join(lines)

    def summary(self) -> list[str]:
        """Lines with the per-label and overall figures and the verdict."""
        lines = []
        for label, m in self.labels.items():
            auc = "–" if m["roc_auc"] is None else f"{m['roc_auc']:.3f}"
            lines.append(f"{label}: {m['n']} cases, accuracy {m['accuracy']:.3f}, ROC-AUC {auc}")
        lines.append(f"overall: {len(self.cases)} cases, accuracy {self.accuracy:.3f}, mean over "
                     f"{len(self.results)} functionalities {self.macro_accuracy:.3f}")
        if self.failures:
            lines.append(f"FAILED: {len(self.failures)} functionalit"
                         f"{'y is' if len(self.failures) == 1 else 'ies are'} below the floor: "
                         + ", ".join(r.functionality for r in self.failures))
        else:
            lines.append("passed: every functionality is at or above its floor")
        return lines

    def to_markdown(self, *, max_cases: int = 10) -> str:
        """The report as markdown: figures per label and functionality, then failing cases.

        Parameters
        ----------
        max_cases : int
            Failing cases shown per functionality (all of them are in the CSV).
        """
        lines = [f"# `moderation check` of model {self.model}", "",
                 f"- created: {self.created}",
                 f"- suite: {len(self.cases)} cases in {len(self.results)} functionalities",
                 "- thresholds: " + ", ".join(f"{k} {v:.3f}" for k, v in self.thresholds.items()),
                 f"- floors: {self.floors_file or 'none'}",
                 f"- verdict: {'passed' if self.passed else 'FAILED'}"
                 + ("" if self.passed else " (" + ", ".join(r.functionality for r in self.failures) + ")"),
                 "", "A case is correct when the model's flag for the case's label (score at or above "
                 "the threshold) equals the expected answer. \"Other label flagged\" is the share of "
                 "cases flagged for the other label; it is shown for information and never gates.",
                 "", "## Per label", "", "| label | cases | accuracy | ROC-AUC |", "|---|---|---|---|"]
        for label, m in self.labels.items():
            auc = "–" if m["roc_auc"] is None else f"{m['roc_auc']:.3f}"
            lines.append(f"| {label} | {m['n']} | {m['accuracy']:.3f} | {auc} |")
        lines.append(f"| all | {len(self.cases)} | {self.accuracy:.3f} | – |")
        lines += ["", "## Per functionality", "",
                  "| functionality | label | expects | cases | accuracy | floor | status | "
                  "other label flagged | tests |", "|---|---|---|---|---|---|---|---|---|"]
        for r in self.results:
            floor = "–" if r.floor is None else f"{r.floor:.2f}"
            lines.append(f"| {r.functionality} | {r.label} | {r.expected} | {r.n} | {r.accuracy:.2f} "
                         f"| {floor} | {r.status} | {r.other_flag_rate:.2f} | {_md(r.description)} |")
        lines += ["", "## Failing cases", ""]
        wrong = self.failed_cases
        if wrong.empty:
            lines.append("None.")
        for r in self.results:
            sub = wrong[wrong["functionality"] == r.functionality]
            if sub.empty:
                continue
            # the most confidently wrong first
            sub = sub.assign(margin=(sub["score"] - self.thresholds[r.label]).abs())
            sub = sub.sort_values(["margin", "id"], ascending=[False, True])
            lines += [f"### {r.functionality} ({len(sub)} of {r.n} wrong, expects {r.label}={r.expected})",
                      "", f"| id | {r.label} score | text |", "|---|---|---|"]
            for row in sub.head(max_cases).itertuples(index=False):
                lines.append(f"| {row.id} | {row.score:.2f} | {_md(row.text)} |")
            if len(sub) > max_cases:
                lines.append(f"| … | | {len(sub) - max_cases} more in the CSV |")
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def write(self, out: str | Path) -> tuple[Path, Path]:
        """Write the markdown report and the CSV of every case with its scores.

        Parameters
        ----------
        out : str or Path
            A ``.md`` file (the CSV goes beside it, same name with ``.csv``), a ``.csv`` file
            (the markdown beside it), or a folder (``report.md`` and ``cases.csv`` in it,
            created if needed).

        Returns
        -------
        (Path, Path)
            The markdown and CSV files.
        """
        out = Path(out)
        if out.suffix.lower() == ".md":
            md, table = out, out.with_suffix(".csv")
        elif out.suffix.lower() == ".csv":
            md, table = out.with_suffix(".md"), out
        else:
            md, table = out / "report.md", out / "cases.csv"
        md.parent.mkdir(parents=True, exist_ok=True)
        md.write_text(self.to_markdown(), encoding="utf-8")
        cols = ["id", "functionality", "label", "expected", "predicted", "correct",
                "hostile_score", "conspiratorial_score", "text", "template"]
        self.cases[cols].to_csv(table, index=False, lineterminator="\n", float_format="%.4f")
        return md, table


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def run_check(model: Any, *, suite: pd.DataFrame | None = None,
              floors: Mapping[str, float] | str | Path | None = None) -> CheckReport:
    """Score every suite case with ``model`` and measure accuracy per functionality.

    Parameters
    ----------
    model : Model
        Anything with ``predict_proba(texts)`` (columns in :data:`moderation.features.LABELS`
        order), ``thresholds`` (per label) and optionally ``version``.
    suite : pandas.DataFrame, optional
        Cases with :data:`SUITE_COLUMNS` (default: :func:`generate_suite`).
    floors : mapping or path, optional
        Floors per functionality, or a floors file (default: :data:`FLOORS_FILE`).

    Returns
    -------
    CheckReport
    """
    suite = generate_suite() if suite is None else suite
    missing = [c for c in SUITE_COLUMNS if c != "template" and c not in suite.columns]
    if missing:
        raise ValueError(f"the suite lacks column(s) {missing}; build it with generate_suite()")
    names = list(dict.fromkeys(suite["functionality"]))
    if isinstance(floors, Mapping):
        floors_file, floor_map = "(given)", dict(floors)
    else:
        floors_file = str(floors if floors is not None else FLOORS_FILE)
        floor_map = load_floors(floors, functionalities=names)
    try:
        descriptions = {k: f.description for k, f in load_functionalities().items()}
    except (OSError, ValueError):
        descriptions = {}

    cases = suite.reset_index(drop=True).copy()
    if "template" not in cases:
        cases["template"] = ""
    thresholds = {label: float(model.thresholds[label]) for label in LABELS}
    scores = np.asarray(model.predict_proba(cases["text"].tolist()), dtype=float)
    for j, label in enumerate(LABELS):
        cases[f"{label}_score"] = scores[:, j] if len(cases) else np.zeros(0)
    col = cases["label"].map({label: j for j, label in enumerate(LABELS)}).to_numpy()
    rows = np.arange(len(cases))
    cases["score"] = scores[rows, col] if len(cases) else np.zeros(0)
    cases["predicted"] = (cases["score"] >= cases["label"].map(thresholds)).astype(int)
    cases["correct"] = cases["predicted"] == cases["expected"].astype(int)
    other = {label: LABELS[1 - j] for j, label in enumerate(LABELS)}
    cases["other_flag"] = [bool(cases.at[i, f"{other[lab]}_score"] >= thresholds[other[lab]])
                           for i, lab in enumerate(cases["label"])]

    results = []
    for name in names:
        sub = cases[cases["functionality"] == name]
        results.append(FunctionalityResult(
            functionality=name, label=str(sub["label"].iloc[0]), expected=int(sub["expected"].iloc[0]),
            description=descriptions.get(name, ""), n=len(sub), accuracy=float(sub["correct"].mean()),
            floor=floor_map.get(name), other_flag_rate=float(sub["other_flag"].mean())))
    labels: dict[str, dict[str, Any]] = {}
    for label in LABELS:
        sub = cases[cases["label"] == label]
        if sub.empty:
            continue
        both = sub["expected"].nunique() == 2
        labels[label] = {
            "n": len(sub), "accuracy": float(sub["correct"].mean()),
            "roc_auc": _roc_auc(sub["expected"].to_numpy(), sub["score"].to_numpy()) if both else None,
        }
    return CheckReport(model=str(getattr(model, "version", "unversioned")), thresholds=thresholds,
                       cases=cases, results=results, labels=labels, floors_file=floors_file)


def _roc_auc(y: np.ndarray, s: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y.astype(int), s))


# ---------------------------------------------------------------------------- the retraining gate
def compare_reports(new: CheckReport, current: CheckReport | None = None, *,
                    max_drop: float = MAX_DROP) -> list[str]:
    """Why a new model should be refused, judged by the suite; empty when it may be promoted.

    Parameters
    ----------
    new : CheckReport
        The new model's run (its floors are the ones in force).
    current : CheckReport, optional
        The current default model's run on the same suite.
    max_drop : float
        Largest accepted drop in accuracy on any functionality against ``current``.

    Returns
    -------
    list of str
        One reason per failing functionality, naming it.
    """
    reasons = [f"functional check {r.functionality} ({r.label}): accuracy {r.accuracy:.2f} is below "
               f"its floor {r.floor:.2f}" for r in new.failures]
    if current is not None:
        before = {r.functionality: r.accuracy for r in current.results}
        for r in new.results:
            old = before.get(r.functionality)
            if old is not None and r.accuracy < old - max_drop - _EPS:
                reasons.append(f"functional check {r.functionality} ({r.label}): accuracy "
                               f"{r.accuracy:.2f} vs current {old:.2f} (drop over {max_drop:.2f})")
    return reasons


def gate_reasons(new: Any, current: Any | None = None, *,
                 floors: Mapping[str, float] | str | Path | None = None,
                 max_drop: float = MAX_DROP) -> list[str]:
    """Run the suite on a new model (and the current default) and return the gate's objections.

    Parameters
    ----------
    new, current : Model
        The candidate and the current default (``None``: compare with the floors only).
    floors : mapping or path, optional
        Default :data:`FLOORS_FILE`.
    max_drop : float
        See :func:`compare_reports`.

    Returns
    -------
    list of str
        Empty when the new model passes.
    """
    suite = generate_suite()
    new_report = run_check(new, suite=suite, floors=floors)
    current_report = run_check(current, suite=suite, floors=floors) if current is not None else None
    return compare_reports(new_report, current_report, max_drop=max_drop)


# ------------------------------------------------------------------- separation from training data
def near_copies(texts: Sequence[str], corpus: Iterable[str], *,
                threshold: float = 0.6) -> list[tuple[int, str, float]]:
    """Find texts that occur in ``corpus`` exactly or as near copies.

    Texts are compared by :func:`moderation.dataset.dedup_key`: the same key, or word sets with
    Jaccard similarity at or above ``threshold``. The search is exact (not MinHash): a prefix
    filter on each text's rarest words proposes candidates, each checked in full.

    Parameters
    ----------
    texts : sequence of str
        The texts to look for (e.g. the suite's cases).
    corpus : iterable of str
        Where to look (e.g. the training comments).
    threshold : float
        Minimum word-set Jaccard similarity of a near copy.

    Returns
    -------
    list of (int, str, float)
        ``(index in texts, corpus text, similarity)``, one per match, 1.0 for the same key.
    """
    from moderation.dataset import dedup_key

    t = Fraction(threshold).limit_denominator(10_000)
    num, den = t.numerator, t.denominator
    corpus_texts = [c for c in corpus if isinstance(c, str)]
    corpus_keys = [dedup_key(c) for c in corpus_texts]
    by_key: dict[str, int] = {}
    postings: dict[str, list[int]] = {}
    sets: list[frozenset[str]] = []
    for i, key in enumerate(corpus_keys):
        by_key.setdefault(key, i)
        words = frozenset(key.split())
        sets.append(words)
        for w in words:
            postings.setdefault(w, []).append(i)
    sizes = [len(w) for w in sets]
    out: list[tuple[int, str, float]] = []
    for q, text in enumerate(texts):
        key = dedup_key(text)
        words = frozenset(key.split())
        if not words:
            continue
        if key in by_key:
            out.append((q, corpus_texts[by_key[key]], 1.0))
            continue
        # a match shares at least ceil(t*|A|) words with A, so it holds one of A's rarest
        # |A| - ceil(t*|A|) + 1 words, and it has from t*|A| to |A|/t words
        size = len(words)
        need = math.ceil(t * size)
        longest = math.floor(size / t)
        prefix = sorted(words, key=lambda w: (len(postings.get(w, ())), w))[:size - need + 1]
        candidates = {i for w in prefix for i in postings.get(w, ()) if need <= sizes[i] <= longest}
        best: tuple[float, int] | None = None
        for i in candidates:
            inter = len(words & sets[i])
            union = size + sizes[i] - inter
            if inter * den >= num * union:
                sim = inter / union
                if best is None or sim > best[0] or (sim == best[0] and i < best[1]):
                    best = (sim, i)
        if best is not None:
            out.append((q, corpus_texts[best[1]], best[0]))
    return out
