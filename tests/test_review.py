"""Choosing comments to label next (moderation.review and ``moderation review``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from moderation.cli import main
from moderation.retrain import load_labels
from moderation.review import select_for_review

NEAR = "The council should fix the potholes on Mill Lane before winter comes."
NEARER = "The council should fix the potholes on Mill Lane before spring comes."
SCORES = {  # text: (hostile, conspiratorial); both thresholds are 0.5
    "Clearly abusive.": (0.9, 0.1),
    NEAR: (0.52, 0.02),
    "Borderline plot talk.": (0.1, 0.45),
    NEARER: (0.5, 0.0),
    "Certain on both.": (0.99, 0.99),
}


class FakeModel:
    """Scores looked up from :data:`SCORES`, thresholds 0.5."""

    thresholds = {"hostile": 0.5, "conspiratorial": 0.5}

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return np.array([SCORES[t] for t in texts], dtype=float)


def test_picks_the_least_certain_and_skips_near_copies() -> None:
    texts = pd.Series([*SCORES, None, "   "], index=[10, 11, 12, 13, 14, 15, 16])
    picked = select_for_review(texts, FakeModel(), n=3)
    # NEARER sits on the threshold; NEAR is a near-copy of it, so the third is the next one
    assert picked["text"].tolist() == [NEARER, "Borderline plot talk.", "Clearly abusive."]
    assert picked.index.tolist() == [13, 12, 10]
    assert picked["uncertainty"].tolist() == [0.0, round(abs(np.log(0.45 / 0.55)), 4),
                                              round(np.log(0.9 / 0.1), 4)]
    assert picked["hostile_score"].tolist() == [0.5, 0.1, 0.9]
    assert (picked["hostile"] == "").all() and (picked["conspiratorial"] == "").all()


def test_near_copies_allowed_when_similarity_limit_is_1_and_n_bounds_the_output() -> None:
    picked = select_for_review(list(SCORES), FakeModel(), n=2, max_similarity=1.0)
    assert picked["text"].tolist() == [NEARER, NEAR]
    assert len(select_for_review(list(SCORES), FakeModel(), n=50)) == 4  # one near-copy dropped
    assert select_for_review(list(SCORES), FakeModel(), n=0).empty
    assert select_for_review([None, ""], FakeModel()).empty


def test_review_cli_writes_a_labels_file_to_fill_in(
    tiny_model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    comments = pd.DataFrame({
        "id": [f"c{i}" for i in range(8)],
        "body": [
            "The bus lanes on Station Road are a mess again.",
            "You absolute halfwit, read the article before commenting.",
            "The floods were planned by the globalists to grab the land.",
            "Lovely photos of the harvest festival, thank you.",
            "Only an idiot would vote for this budget.",
            "Is the library open on bank holidays?",
            "They are hiding the truth about the water supply.",
            "Good match, the keeper was outstanding.",
        ],
    })
    source = tmp_path / "scored.csv"
    comments.to_csv(source, index=False)
    out = tmp_path / "to_label.csv"
    args = ["review", str(source), "-n", "5", "-o", str(out), "--model", str(tiny_model_path)]
    assert main([*args, "--text-column", "body"]) == 0
    picked = pd.read_csv(out, keep_default_na=False)
    assert picked.columns.tolist() == ["id", "text", "hostile", "conspiratorial", "hostile_score",
                                       "conspiratorial_score", "uncertainty"]
    assert len(picked) == 5
    assert (picked["hostile"] == "").all() and (picked["conspiratorial"] == "").all()
    by_id = dict(zip(comments["id"], comments["body"], strict=True))
    assert all(by_id[i] == t for i, t in zip(picked["id"], picked["text"], strict=True))
    assert picked["uncertainty"].is_monotonic_increasing

    # a moderator fills in some rows; the file is a valid labels file as it is
    picked.loc[0, ["hostile", "conspiratorial"]] = ["yes", "no"]
    picked.loc[1, "hostile"] = "0"
    picked.to_csv(out, index=False)
    labels, problems = load_labels(out)
    assert problems == [] and len(labels) == 2 and labels.attrs["unlabelled"] == 3
    assert labels.loc[0, "hostile"] == 1.0 and labels.loc[0, "conspiratorial"] == 0.0


@pytest.mark.parametrize(
    "extra, message",
    [
        (["-n", "0"], "-n must be at least 1"),
        (["--model", "/nonexistent/model"], "No model at /nonexistent/model"),
        (["--text-column", "nope"], "no text column"),
    ],
)
def test_review_cli_errors_exit_2(
    tiny_model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture, extra: list[str], message: str
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("text\nThe bus was late.\n")
    args = ["review", str(source), "--model", str(tiny_model_path), "-o", str(tmp_path / "o.csv"), *extra]
    assert main(args) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()
