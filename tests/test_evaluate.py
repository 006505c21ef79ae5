"""Tests for moderation.evaluate and the ``moderation evaluate`` command."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from moderation import evaluate
from moderation.cli import main
from moderation.evaluate import (
    best_threshold,
    binary_metrics,
    evaluate_frame,
    load_labelled,
    pr_curve_data,
    write_report,
)
from moderation.model import load_model
from moderation.training import TrainConfig, train_model

TINY_CSV = Path(__file__).parent / "data" / "model" / "tiny_labelled.csv"

# Ten rows, threshold 0.5:
#   y      1    1    1    1    0    0    0    0    0     0
#   score  0.9  0.8  0.6  0.3  0.7  0.2  0.1  0.4  0.05  0.5
#   pred   1    1    1    0    1    0    0    0    0     1
# TP=3, FN=1, FP=2, TN=4.
Y = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
S = [0.9, 0.8, 0.6, 0.3, 0.7, 0.2, 0.1, 0.4, 0.05, 0.5]
PRECISION = 3 / 5
RECALL = 3 / 4
F1 = 2 * PRECISION * RECALL / (PRECISION + RECALL)  # 2/3
MCC = (3 * 4 - 2 * 1) / math.sqrt((3 + 2) * (3 + 1) * (4 + 2) * (4 + 1))  # 10 / sqrt(600)
# ROC-AUC: of the 4 x 6 positive/negative pairs, the positive scores higher in 6+6+5+3 = 20.
ROC_AUC = 20 / 24
# Average precision: positives sit at ranks 1, 2, 4 and 7 of the descending scores.
PR_AUC = (1 / 1 + 2 / 2 + 3 / 4 + 4 / 7) / 4


def test_binary_metrics_match_hand_computed_values() -> None:
    m = binary_metrics(Y, S, 0.5)
    assert m["n"] == 10 and m["positives"] == 4
    assert m["confusion"] == [[4, 2], [1, 3]]
    assert m["precision"] == pytest.approx(PRECISION)
    assert m["recall"] == pytest.approx(RECALL)
    assert m["f1"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(F1)
    assert m["mcc"] == pytest.approx(MCC)
    assert m["mcc"] == pytest.approx(0.408248, abs=1e-6)
    assert m["fpr"] == pytest.approx(2 / 6)
    assert m["roc_auc"] == pytest.approx(ROC_AUC)
    assert m["pr_auc"] == pytest.approx(PR_AUC)


def test_binary_metrics_threshold_is_inclusive_and_skips_nan() -> None:
    y = [*Y, np.nan, 1.0]
    s = [*S, 0.99, np.nan]
    assert binary_metrics(y, s, 0.5) == binary_metrics(Y, S, 0.5)
    # at 0.7 the 0.7-scored negative is still flagged: TP=2, FP=1
    m = binary_metrics(Y, S, 0.7)
    assert m["confusion"] == [[5, 1], [2, 2]]
    assert m["precision"] == pytest.approx(2 / 3)


def test_binary_metrics_single_class_and_empty() -> None:
    m = binary_metrics([0, 0, 0], [0.1, 0.6, 0.2], 0.5)
    assert m["mcc"] is None and m["roc_auc"] is None and m["pr_auc"] is None
    assert m["confusion"] == [[2, 1], [0, 0]]
    assert m["fpr"] == pytest.approx(1 / 3)
    assert binary_metrics([np.nan], [0.3], 0.5) == {"n": 0, "positives": 0}


def test_evaluate_frame_overall_and_per_group() -> None:
    frame = pd.DataFrame(
        {
            "hostile": [1, 1, 0, 0, 1, 0],
            "conspiratorial": [np.nan, np.nan, 1, 0, 0, 1],
            "kind": ["hostile", "hostile", "conspiracy", "clean", "hostile", "hard_negative"],
            "source": ["a", "a", "a", "b", "b", "b"],
        }
    )
    scores = np.array([[0.9, 0.5], [0.2, 0.5], [0.6, 0.8], [0.1, 0.3], [0.7, 0.1], [0.4, 0.9]])
    result = evaluate_frame(frame, scores, {"hostile": 0.5, "conspiratorial": 0.5})
    hostile = result["overall"]["hostile"]
    # hostile: TP rows 0,4; FN row 1; FP row 2; TN rows 3,5
    assert hostile["confusion"] == [[2, 1], [1, 2]]
    assert hostile["precision"] == pytest.approx(2 / 3)
    assert hostile["recall"] == pytest.approx(2 / 3)
    conspiratorial = result["overall"]["conspiratorial"]
    # only rows 2-5 are labelled: TP rows 2,5; TN rows 3,4
    assert conspiratorial["n"] == 4
    assert conspiratorial["confusion"] == [[2, 0], [0, 2]]
    assert conspiratorial["mcc"] == pytest.approx(1.0)
    # per source: a = rows 0-2, b = rows 3-5
    assert result["source"]["a"]["hostile"]["confusion"] == [[0, 1], [1, 1]]
    assert result["source"]["a"]["conspiratorial"]["n"] == 1
    assert result["source"]["b"]["hostile"]["confusion"] == [[2, 0], [0, 1]]
    # per kind: the groups present, sorted; hard negative flagged for conspiratorial
    assert list(result["kind"]) == ["clean", "conspiracy", "hard_negative", "hostile"]
    assert result["kind"]["hostile"]["conspiratorial"]["n"] == 1  # rows 0, 1 are unlabelled
    assert "conspiratorial" in result["kind"]["clean"]
    assert result["kind"]["hard_negative"]["conspiratorial"]["confusion"] == [[0, 0], [0, 1]]
    assert result["kind"]["hostile"]["hostile"]["recall"] == pytest.approx(2 / 3)


# y       1    1    1    0    0    0
# score   0.9  0.8  0.6  0.7  0.2  0.1
# hard    -    -    -    yes  -    -
# F1 by threshold: 0.6 -> 6/7 (best), 0.7 -> 2/3, 0.8 -> 4/5, 0.9 -> 1/2.
BT_Y = [1, 1, 1, 0, 0, 0]
BT_S = [0.9, 0.8, 0.6, 0.7, 0.2, 0.1]
BT_HARD = [False, False, False, True, False, False]


def test_best_threshold_maximises_f1() -> None:
    assert best_threshold(BT_Y, BT_S) == pytest.approx(0.6)


def test_best_threshold_respects_max_fpr_on_hard_negatives() -> None:
    # the 0.7 hard negative must not be flagged: the best threshold above it is 0.8
    assert best_threshold(BT_Y, BT_S, negatives_mask=BT_HARD, max_fpr=0.0) == pytest.approx(0.8)
    # a loose limit changes nothing
    assert best_threshold(BT_Y, BT_S, negatives_mask=BT_HARD, max_fpr=1.0) == pytest.approx(0.6)
    # the mask matters: without hard negatives among the rows there is no constraint
    assert best_threshold(BT_Y, BT_S, negatives_mask=[False] * 6, max_fpr=0.0) == pytest.approx(0.6)


def test_best_threshold_counts_fpr_over_hard_negatives_only() -> None:
    y = [1, 1, 1, 1, 0, 0, 0, 0]
    s = [0.9, 0.8, 0.6, 0.55, 0.7, 0.2, 0.1, 0.05]
    hard = [False, False, False, False, True, True, True, False]
    # F1 by threshold: 0.55 -> 8/9 (best), 0.6 -> 3/4, 0.8 -> 2/3, 0.7 -> 4/7, 0.9 -> 2/5.
    # Below 0.8 the 0.7 negative is flagged: FPR 1/3 over the three hard negatives (1/4 over
    # all four negatives, which max_fpr=0.3 would allow).
    assert best_threshold(y, s) == pytest.approx(0.55)
    assert best_threshold(y, s, negatives_mask=hard, max_fpr=0.3) == pytest.approx(0.8)
    assert best_threshold(y, s, negatives_mask=hard, max_fpr=0.34) == pytest.approx(0.55)


def test_best_threshold_falls_back_when_the_limit_is_unreachable() -> None:
    y = [1, 1, 0]
    s = [0.8, 0.6, 0.95]
    hard = [False, False, True]
    assert best_threshold(y, s, negatives_mask=hard, max_fpr=0.0) == pytest.approx(0.6)


def test_best_threshold_ignores_unlabelled_rows() -> None:
    y = [*BT_Y, np.nan]
    s = [*BT_S, 0.75]
    hard = [*BT_HARD, True]
    assert best_threshold(y, s, negatives_mask=hard, max_fpr=0.0) == pytest.approx(0.8)


# ------------------------------------------------------------------ files
def test_load_labelled_parses_label_spellings(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        "text,hostile,conspiratorial\none,1,yes\ntwo,0,no\nthree,true,\nfour,FALSE,0.0\n"
    )
    df = load_labelled(path)
    assert df["hostile"].tolist() == [1.0, 0.0, 1.0, 0.0]
    assert df["conspiratorial"].tolist()[:2] == [1.0, 0.0]
    assert math.isnan(df["conspiratorial"].iloc[2])
    assert df["text"].tolist() == ["one", "two", "three", "four"]


def test_load_labelled_rejects_bad_files(tmp_path: Path) -> None:
    (tmp_path / "nolabel.csv").write_text("text,other\nhi,1\n")
    with pytest.raises(ValueError, match="neither"):
        load_labelled(tmp_path / "nolabel.csv")
    (tmp_path / "notext.csv").write_text("body,hostile\nhi,1\n")
    with pytest.raises(ValueError, match="no 'text' column"):
        load_labelled(tmp_path / "notext.csv")
    (tmp_path / "odd.csv").write_text("text,hostile\nhi,maybe\n")
    with pytest.raises(ValueError, match="maybe"):
        load_labelled(tmp_path / "odd.csv")


def test_write_report_without_both_classes_skips_the_curve(tmp_path: Path) -> None:
    frame = pd.DataFrame({"text": ["a", "b"], "hostile": [0.0, 0.0], "conspiratorial": [1.0, 0.0]})
    write_report(
        frame, np.array([[0.1, 0.9], [0.2, 0.1]]), {"hostile": 0.5, "conspiratorial": 0.5}, tmp_path
    )
    assert not (tmp_path / "pr_hostile.png").exists()
    assert (tmp_path / "pr_conspiratorial.png").exists()
    report = (tmp_path / "report.md").read_text()
    assert "## CONSPIRATORIAL" in report and "| true 1 | 0 | 1 |" in report


def test_pr_curve_data_marks_the_operating_point_at_the_threshold() -> None:
    data = pr_curve_data(Y, S, 0.5)
    assert data is not None
    # the hand-computed precision and recall at the threshold, not the nearest curve vertex
    assert data["operating_point"] == pytest.approx((PRECISION, RECALL))
    assert data["pr_auc"] == pytest.approx(PR_AUC)
    assert (data["n"], data["positives"]) == (10, 4)
    assert data["prevalence"] == pytest.approx(0.4)
    assert data["threshold"] == 0.5
    assert len(data["precision"]) == len(data["recall"]) and data["recall"][0] == 1.0
    # NaN labels are skipped; a single class has no curve
    assert pr_curve_data([*Y, np.nan], [*S, 0.99], 0.5)["n"] == 10
    assert pr_curve_data([0, 0, 0], [0.1, 0.6, 0.2], 0.5) is None


def _record_plots(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Wrap ``evaluate._pr_curve`` so a test sees what each plot was given."""
    calls: list[dict] = []
    real = evaluate._pr_curve

    def recording(data, label, out, *, model=None):
        calls.append({"data": data, "label": label, "model": model})
        return real(data, label, out, model=model)

    monkeypatch.setattr(evaluate, "_pr_curve", recording)
    return calls


def test_write_report_plots_the_operating_point_of_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _record_plots(monkeypatch)
    frame = pd.DataFrame({"text": ["x"] * 10, "hostile": Y, "conspiratorial": Y[::-1]})
    scores = np.column_stack([S, S])
    thresholds = {"hostile": 0.5, "conspiratorial": 0.45}
    write_report(frame, scores, thresholds, tmp_path, model="tiny (version 7)")
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    report = (tmp_path / "report.md").read_text()
    assert [c["label"] for c in calls] == ["hostile", "conspiratorial"]
    for call in calls:
        m = metrics["overall"][call["label"]]
        data = call["data"]
        assert data["operating_point"] == (m["precision"], m["recall"])
        assert data["pr_auc"] == m["pr_auc"]
        assert data["n"] == m["n"] and data["prevalence"] == m["positives"] / m["n"]
        assert data["threshold"] == thresholds[call["label"]]
        assert call["model"] == "tiny (version 7)"
        # the table row shows the same figures
        assert f"| {m['precision']:.3f} | {m['recall']:.3f} |" in report
        png = tmp_path / f"pr_{call['label']}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert metrics["overall"]["hostile"]["precision"] == pytest.approx(PRECISION)


def test_write_report_without_matplotlib_still_writes_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    frame = pd.DataFrame({"text": ["x"] * 10, "hostile": Y, "conspiratorial": Y})
    write_report(frame, np.column_stack([S, S]), {"hostile": 0.5, "conspiratorial": 0.5}, tmp_path)
    assert (tmp_path / "report.md").is_file() and (tmp_path / "metrics.json").is_file()
    assert not list(tmp_path.glob("*.png"))
    assert "![precision-recall" not in (tmp_path / "report.md").read_text()


# ------------------------------------------------------------------- CLI
TOY_ROWS = [
    ("The headteacher is a useless idiot and a liar.", 1, 0, "hostile"),
    ("Shut up you stupid m0r0n, nobody asked.", 1, 0, "hostile"),
    ("That councillor is lying scum.", 1, "", "hostile"),
    ("The elites planned the power cut to push the agenda.", 0, 1, "conspiracy"),
    ("The globalists staged the floods on purpose.", 0, 1, "conspiracy"),
    ("The swimming pool reopens next month.", 0, 0, "clean"),
    ("Lovely result for the under-12s at the weekend.", 0, 0, "clean"),
    ("Calling anyone vermin has no place in this debate.", 0, 0, "hard_negative"),
    ("The claim that the vote was rigged was thrown out in court.", 0, 0, "hard_negative"),
    ("The road resurfacing has overrun again.", 0, 0, "clean"),
]


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model trained on tests/data/model/tiny_labelled.csv and saved once."""
    config = TrainConfig(augment_copies=1, word_max_features=3000, char_max_features=3000)
    model = train_model(pd.read_csv(TINY_CSV), config)
    model.card["version"] = "tiny-evaluate"
    return model.save(tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture()
def toy_csv(tmp_path: Path) -> Path:
    path = tmp_path / "toy.csv"
    pd.DataFrame(TOY_ROWS, columns=["text", "hostile", "conspiratorial", "kind"]).assign(
        source="toy"
    ).to_csv(path, index=False)
    return path


def test_cli_evaluate_writes_report_matching_binary_metrics(
    model_path: Path,
    toy_csv: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plots = _record_plots(monkeypatch)
    out = tmp_path / "report"
    code = main(["evaluate", "--data", str(toy_csv), "--model", str(model_path), "-o", str(out)])
    assert code == 0
    for name in ("report.md", "metrics.json", "pr_hostile.png", "pr_conspiratorial.png"):
        assert (out / name).is_file(), name
    assert (out / "pr_hostile.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    assert "model tiny (trained tiny-evaluate), 10 rows" in printed

    model = load_model(model_path)
    texts = [row[0] for row in TOY_ROWS]
    scores = model.predict_proba(texts)
    metrics = json.loads((out / "metrics.json").read_text())
    hostile_y = [row[1] for row in TOY_ROWS]
    conspiratorial_y = [np.nan if row[2] == "" else row[2] for row in TOY_ROWS]
    expected_hostile = binary_metrics(hostile_y, scores[:, 0], model.thresholds["hostile"])
    expected_conspiratorial = binary_metrics(
        conspiratorial_y, scores[:, 1], model.thresholds["conspiratorial"]
    )
    assert metrics["overall"]["hostile"] == expected_hostile
    assert metrics["overall"]["conspiratorial"] == expected_conspiratorial
    assert metrics["overall"]["hostile"]["n"] == 10
    assert metrics["overall"]["conspiratorial"]["n"] == 9  # the empty cell is skipped
    assert set(metrics["kind"]) == {"clean", "conspiracy", "hard_negative", "hostile"}
    report = (out / "report.md").read_text()
    assert "## HOSTILE" in report and "![precision-recall hostile](pr_hostile.png)" in report
    # each plot marks the table's operating point and names the model
    assert [p["label"] for p in plots] == ["hostile", "conspiratorial"]
    for p in plots:
        m = metrics["overall"][p["label"]]
        assert p["data"]["operating_point"] == (m["precision"], m["recall"])
        assert p["model"] == "tiny (trained tiny-evaluate)"


def test_cli_evaluate_without_output_prints_metrics(
    model_path: Path, toy_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", "--data", str(toy_csv), "--model", str(model_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("hostile") and "n=10" in line for line in lines)
    assert any(line.startswith("conspiratorial") and "n=9" in line for line in lines)


def test_cli_evaluate_reports_a_bad_file(
    model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("body,hostile\nhi,1\n")
    assert main(["evaluate", "--data", str(bad), "--model", str(model_path)]) == 2
    assert "no 'text' column" in capsys.readouterr().err


def test_constrained_threshold_keeps_every_false_positive_cap() -> None:
    from moderation.evaluate import constrained_threshold

    y = np.array([1, 1, 1, 0, 0, 0, np.nan, np.nan])
    s = np.array([0.9, 0.7, 0.4, 0.6, 0.3, 0.1, 0.65, 0.2])
    assert constrained_threshold(y, s) == pytest.approx(0.4, abs=0.02)  # best F1, no caps
    hard = np.array([0, 0, 0, 1, 0, 0, 0, 0], bool)
    # the hard negative at 0.6 must not be flagged, and neither may the unlabelled benign row
    benign = np.array([0, 0, 0, 0, 0, 0, 1, 1], bool)
    t = constrained_threshold(y, s, caps=[(hard, 0.0), (benign, 0.0)])
    assert 0.65 < t <= 0.7
    # weights move the F1: a heavy negative at 0.3 pushes the threshold above it
    w = np.array([1, 1, 1, 1, 50, 1, 1, 1], float)
    assert constrained_threshold(y, s, weight=w) > 0.3
