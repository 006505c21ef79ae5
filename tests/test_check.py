"""The functional test suite (moderation.check, `moderation check`).

The suite must measure generalisation, not recall: no case, nor a near copy of one, may occur in
our training comments or in the built dataset. When a collision is reported, reword the suite's
case (moderation/resources/check/), never the training data.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from moderation import check
from moderation.check import (
    FLOOR_STEP,
    RESOURCES,
    floors_from_report,
    generate_suite,
    load_floors,
    load_functionalities,
    near_copies,
    run_check,
)
from moderation.cli import main
from moderation.model import load_model

#: Minimum number of cases per functionality.
MIN_CASES = 30
#: Word-set Jaccard similarity (after dedup_key) at or above which a case is a near copy.
NEAR_COPY = 0.6
#: Sentences quoted in our public issue tracker (they may become training examples): the suite
#: must not contain them or near copies of them.
PUBLIC_EXAMPLES = [
    "I am going to kill you.",
    "Honestly I cannot stand Muslims.",
    "Calling refugees vermin is disgusting and you should be ashamed.",
    "The Jews control the media.",
    "Israel did 9/11.",
]


@pytest.fixture(scope="module")
def suite() -> pd.DataFrame:
    return generate_suite()


def _collisions(suite: pd.DataFrame, corpus: list[str], where: str) -> str:
    hits = near_copies(suite["text"].tolist(), corpus, threshold=NEAR_COPY)
    lines = [f"{suite['id'].iloc[q]} ({sim:.2f}): {suite['text'].iloc[q]!r} ~ {text[:160]!r}"
             for q, text, sim in hits]
    return (f"{len(hits)} suite case(s) occur in {where} (same text or word-set Jaccard >= "
            f"{NEAR_COPY}); reword the cases in moderation/resources/check/, not the training "
            "data:\n" + "\n".join(lines)) if hits else ""


# ------------------------------------------------------------------------- the suite itself
def test_every_functionality_has_enough_cases_with_unique_ids(suite: pd.DataFrame) -> None:
    functionalities = load_functionalities()
    counts = suite["functionality"].value_counts()
    assert set(counts.index) == set(functionalities), "a functionality has no cases"
    small = {f: int(n) for f, n in counts.items() if n < MIN_CASES}
    assert not small, f"functionalities with fewer than {MIN_CASES} cases: {small}"
    assert suite["id"].is_unique
    from moderation.dataset import dedup_key

    assert suite["text"].map(dedup_key).is_unique
    assert not suite["text"].str.contains(r"[{}]").any(), "a placeholder was left unfilled"
    for f in functionalities.values():
        rows = suite[suite["functionality"] == f.name]
        assert (rows["label"] == f.label).all() and (rows["expected"] == f.expected).all()
    # both labels have functionalities that expect 1 and ones that expect 0
    pairs = {(f.label, f.expected) for f in functionalities.values()}
    assert pairs == {("hostile", 1), ("hostile", 0), ("conspiratorial", 1), ("conspiratorial", 0)}
    assert len(suite) == len(suite.dropna())


def test_every_group_and_person_fill_in_is_used(suite: pd.DataFrame) -> None:
    fillins = json.loads((RESOURCES / "fillins.json").read_text(encoding="utf-8"))
    text = "\n".join(suite["text"]).lower()
    for name in ("group", "group_one", "person", "slur", "elite", "jew_actor", "event", "theory"):
        unused = [v for v in fillins[name] if v.lower() not in text]
        assert not unused, f"fill-ins of {name!r} never used: {unused}; raise a template's cases"


def test_generation_is_deterministic(suite: pd.DataFrame) -> None:
    again = generate_suite()
    pd.testing.assert_frame_equal(suite, again)
    digest = hashlib.sha256(suite.to_csv(index=False).encode()).hexdigest()
    # a fresh interpreter with another hash seed gives the same suite
    code = ("import hashlib; from moderation.check import generate_suite; "
            "print(hashlib.sha256(generate_suite().to_csv(index=False).encode()).hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True).stdout.strip()
    assert out == digest


def test_bad_data_is_reported_with_file_and_line(tmp_path: Path) -> None:
    for name in ("functionalities.csv", "fillins.json", "templates.csv", "cases.csv"):
        (tmp_path / name).write_bytes((RESOURCES / name).read_bytes())
    with (tmp_path / "templates.csv").open("a", encoding="utf-8") as fh:
        fh.write('slur.t99,slur,2,"{no_such_list} are here"\n')
    with pytest.raises(ValueError, match=r"templates.csv:\d+: \{no_such_list\} is not a list"):
        generate_suite(tmp_path)
    (tmp_path / "templates.csv").write_bytes((RESOURCES / "templates.csv").read_bytes())
    first = next(csv.DictReader((RESOURCES / "cases.csv").open(encoding="utf-8")))
    with (tmp_path / "cases.csv").open("a", encoding="utf-8") as fh:
        fh.write(f'{first["id"]},{first["functionality"]},"Some fresh words here."\n')
    with pytest.raises(ValueError, match=f"id '{first['id']}' is used twice"):
        generate_suite(tmp_path)


# ------------------------------------------------------------- separation from training data
def test_near_copies_finds_exact_and_near_matches_only() -> None:
    corpus = ["The bus was LATE again!", "one two three four five", "alpha beta gamma"]
    texts = [
        "the bus was late again",          # same key
        "one two three six seven",         # 3 shared of 7 words: 0.43
        "one two three four six",          # 4 of 6: 0.67
        "one two three x",                 # 3 of 6: 0.5
        "alpha beta gamma delta epsilon",  # 3 of 5: exactly 0.6
        "🐀🐀",                              # no words
    ]
    hits = {q: round(sim, 2) for q, _, sim in near_copies(texts, corpus, threshold=0.6)}
    assert hits == {0: 1.0, 2: 0.67, 4: 0.6}


def test_no_case_is_in_our_training_comments(suite: pd.DataFrame) -> None:
    from moderation.corpora import news_comments

    files = news_comments.comment_files()  # every file, including ones being written now
    assert files, "no training comment files found"
    texts = [t for path in files for t in news_comments.read_comments(path)["text"]]
    problem = _collisions(suite, texts, f"our training comments ({len(files)} files)")
    assert not problem, problem


def test_no_case_is_a_public_issue_tracker_example(suite: pd.DataFrame) -> None:
    problem = _collisions(suite, PUBLIC_EXAMPLES, "the public issue tracker's examples")
    assert not problem, problem


@pytest.fixture(scope="module")
def built_texts() -> list[str]:
    """Texts of the built dataset (our comments plus the public corpora), built once."""
    from moderation.dataset import build_dataset, resolve_corpora

    root = resolve_corpora()
    if not root.is_dir():
        pytest.skip(f"corpus folder {root} not found (set $MODERATION_CORPORA or put the corpora "
                    "in ../shared/data): the suite was checked against our own comments only")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_dataset(root)["text"].tolist()


def test_no_case_is_in_the_built_dataset(suite: pd.DataFrame, built_texts: list[str]) -> None:
    problem = _collisions(suite, built_texts, f"the built dataset ({len(built_texts)} texts)")
    assert not problem, problem


# ------------------------------------------------------------------------------- running
def test_run_check_measures_accuracy_per_functionality_and_label(tiny_model, suite) -> None:
    floors = {name: 1.0 for name in suite["functionality"].unique()}
    report = run_check(tiny_model, suite=suite, floors=floors)
    assert len(report.cases) == len(suite) and len(report.results) == suite["functionality"].nunique()
    scores = tiny_model.predict_proba(suite["text"].tolist())
    j = {"hostile": 0, "conspiratorial": 1}
    for r in report.results:
        rows = suite.index[suite["functionality"] == r.functionality]
        flags = [scores[i, j[r.label]] >= tiny_model.thresholds[r.label] for i in rows]
        expected = np.mean([int(f) == r.expected for f in flags])
        assert r.accuracy == pytest.approx(expected)
        assert r.n == len(rows) and r.floor == 1.0
    assert {r.functionality for r in report.failures} == {r.functionality for r in report.results
                                                          if r.accuracy < 1.0}
    assert not report.passed
    assert len(report.failed_cases) == int((~report.cases["correct"]).sum())
    for label in ("hostile", "conspiratorial"):
        m = report.labels[label]
        assert 0 <= m["accuracy"] <= 1 and m["roc_auc"] is not None
    lenient = run_check(tiny_model, suite=suite, floors={})
    assert lenient.passed and all(r.status == "no floor" for r in lenient.results)


def test_floors_only_rise(tiny_model, suite) -> None:
    report = run_check(tiny_model, suite=suite, floors={})
    current = {r.functionality: 0.95 if i % 2 else 0.0 for i, r in enumerate(report.results)}
    raised = floors_from_report(report, current=current)
    for r in report.results:
        rounded = min(np.floor(r.accuracy / FLOOR_STEP + 1e-9) * FLOOR_STEP, check.FLOOR_CAP)
        assert raised[r.functionality] == pytest.approx(max(rounded, current[r.functionality]))
        assert raised[r.functionality] <= max(r.accuracy, current[r.functionality])


def test_shipped_floors_cover_every_functionality() -> None:
    shipped = RESOURCES / "floors.json"
    floors = load_floors(shipped)
    assert set(floors) == set(load_functionalities()), "give every functionality a floor"
    for name, value in floors.items():
        assert 0 <= value <= 1 and abs(value / FLOOR_STEP - round(value / FLOOR_STEP)) < 1e-9, name


@pytest.mark.parametrize("content, message", [
    ({"floors": {"no_such_thing": 0.5}}, "unknown functionality 'no_such_thing'"),
    ({"floors": {"slur": 1.5}}, "must be a number from 0 to 1"),
    ({"threat_direct": 0.5}, 'expected an object with a "floors" object'),
])
def test_bad_floors_are_refused(tmp_path: Path, content: dict, message: str) -> None:
    path = tmp_path / "floors.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ValueError, match=message):
        load_floors(path)


# ------------------------------------------------------------------------------------ CLI
def _floors_file(tmp_path: Path, value: float) -> Path:
    path = tmp_path / f"floors-{value}.json"
    path.write_text(json.dumps({"floors": {name: value for name in load_functionalities()}}))
    return path


def test_cli_exits_1_below_a_floor_and_writes_the_report(tiny_model_path: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    out_dir = tmp_path / "report"
    code = main(["check", "--model", str(tiny_model_path), "--floors", str(_floors_file(tmp_path, 1.0)),
                 "-o", str(out_dir)])
    out = capsys.readouterr().out
    assert code == 1
    header = next(line for line in out.splitlines() if line.startswith("functionality"))
    assert header.split() == ["functionality", "label", "expects", "n", "accuracy", "floor", "status"]
    assert any(line.split()[:2] == ["threat_direct", "hostile"] and line.endswith("FAIL")
               for line in out.splitlines())
    assert "FAILED:" in out
    cases = pd.read_csv(out_dir / "cases.csv")
    assert len(cases) == len(generate_suite())
    assert {"id", "functionality", "hostile_score", "conspiratorial_score", "correct"} <= set(cases.columns)
    assert "## Per functionality" in (out_dir / "report.md").read_text(encoding="utf-8")


def test_cli_exits_0_when_every_floor_is_met(tiny_model_path: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture) -> None:
    md = tmp_path / "check.md"
    code = main(["check", "--model", str(tiny_model_path), "--floors", str(_floors_file(tmp_path, 0.0)),
                 "-o", str(md)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "passed: every functionality is at or above its floor" in out
    assert md.is_file() and md.with_suffix(".csv").is_file()


def test_cli_raise_floors_and_bad_floors(tiny_model_path: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture) -> None:
    floors = _floors_file(tmp_path, 0.0)
    assert main(["check", "--model", str(tiny_model_path), "--floors", str(floors), "--raise-floors"]) == 0
    raised = load_floors(floors)
    report = run_check(load_model(tiny_model_path), floors={})
    for r in report.results:
        assert raised[r.functionality] <= r.accuracy + 1e-9
        assert raised[r.functionality] > min(r.accuracy, check.FLOOR_CAP) - FLOOR_STEP
        assert raised[r.functionality] <= check.FLOOR_CAP
    capsys.readouterr()
    bad = tmp_path / "bad.json"
    bad.write_text('{"floors": {"threat_direkt": 0.5}}')
    assert main(["check", "--model", str(tiny_model_path), "--floors", str(bad)]) == 2
    assert "unknown functionality 'threat_direkt'" in capsys.readouterr().err


def test_gate_uses_the_floors_file_given_by_the_module(monkeypatch, tmp_path: Path, tiny_model) -> None:
    """gate_reasons reads check.FLOORS_FILE when called, so tests and tools can point it elsewhere."""
    monkeypatch.setattr(check, "FLOORS_FILE", _floors_file(tmp_path, 1.0))
    reasons = check.gate_reasons(tiny_model, tiny_model)
    assert reasons and all("below its floor" in r for r in reasons)
    monkeypatch.setattr(check, "FLOORS_FILE", _floors_file(tmp_path, 0.0))
    assert check.gate_reasons(tiny_model, tiny_model) == []


def test_raising_floors_caps_them_and_keeps_the_history(tmp_path: Path) -> None:
    """Regression: --raise-floors wrote 1.00 for perfect functionalities and dropped the
    decisions recorded in the file's history."""
    import json

    floors = _floors_file(tmp_path, 0.0)
    data = json.loads(floors.read_text())
    data["history"] = "2026-12-03: a decision someone wrote down."
    floors.write_text(json.dumps(data))
    perfect = {name: 1.0 for name in load_floors(floors)}
    check.write_floors({k: min(v, check.FLOOR_CAP) for k, v in perfect.items()}, floors, note="model m")
    written = json.loads(floors.read_text())
    assert written["history"].startswith("2026-12-03: a decision someone wrote down.")
    assert "floors raised from model m" in written["history"]
    report = type("R", (), {"results": [type("r", (), {"functionality": k, "accuracy": 1.0})()
                                        for k in perfect]})()
    assert set(check.floors_from_report(report).values()) == {check.FLOOR_CAP}
