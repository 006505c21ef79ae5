"""``moderation train --labels``: refusing bad files, the gate, killed runs and the moderator's loop.

Every run writes into a private copy of a temporary models folder (never the repository's
``models/``) and reads no corpora, so it trains on our committed comments only.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from moderation.cli import main
from moderation.model import read_card
from moderation.registry import ModelRegistry
from moderation.training import TrainConfig

pytestmark = pytest.mark.filterwarnings("ignore::moderation.corpora.DatasetWarning")

DATA = Path(__file__).parent / "data" / "retrain"
REPO = Path(__file__).resolve().parent.parent
NO_CORPORA = "/nonexistent/corpora"
SMALL = TrainConfig(augment_copies=1, word_max_features=20_000, char_max_features=20_000)


@pytest.fixture(autouse=True)
def _no_corpora(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODERATION_CORPORA", NO_CORPORA)


def snapshot(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` (hidden ones too), by relative path."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def train(models_dir: Path, *args: str) -> int:
    return main(["train", "--models-dir", str(models_dir), "--corpora", NO_CORPORA, *args])


# ----------------------------------------------------------------------------- bad labels
@pytest.mark.parametrize(
    "files, expected",
    [
        (["bad_empty_text.csv"], ["bad_empty_text.csv:3: empty text"]),
        (["bad_value.csv"], ["bad_value.csv:5: conspiratorial value 'maybe' is not one of 1/0"]),
        (["conflict_a.csv", "conflict_b.csv"],
         ["conflict_a.csv:3: same text labelled hostile=1 here and hostile=0 at",
          "conflict_b.csv:3: same text labelled hostile=0 here and hostile=1 at"]),
        (["missing_columns.csv"], ["missing_columns.csv:1: needs a 'text' column and at least one of"]),
        (["new_labels.csv", "not_there.csv"], ["not_there.csv: file not found"]),
    ],
)
def test_bad_labels_exit_2_with_file_and_line_and_change_nothing(
    models_dir: Path, capsys: pytest.CaptureFixture, files: list[str], expected: list[str]
) -> None:
    before = snapshot(models_dir)
    labels = [arg for f in files for arg in ("--labels", str(DATA / f))]
    assert train(models_dir, *labels, "--name", "should-not-exist") == 2
    out, err = capsys.readouterr()
    for line in expected:
        assert f"moderation train: {DATA / line.split(':')[0]}:" in err
        assert line.split(":", 1)[1] in err, err
    assert "nothing was trained" in err and "training" not in out
    assert snapshot(models_dir) == before


@pytest.mark.parametrize("name, message", [("base", "already exists"), ("../up", "not a usable model name")])
def test_unusable_names_exit_2_before_training(models_dir: Path, capsys: pytest.CaptureFixture,
                                               name: str, message: str) -> None:
    before = snapshot(models_dir)
    assert train(models_dir, "--labels", str(DATA / "new_labels.csv"), "--name", name) == 2
    assert message in capsys.readouterr().err
    assert snapshot(models_dir) == before


def test_skip_invalid_trains_on_the_valid_rows_and_says_what_it_skipped(
    models_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    code = train(models_dir, "--labels", str(DATA / "new_labels.csv"), "--labels", str(DATA / "bad_value.csv"),
                 "--skip-invalid", "--base", "none", "--name", "partial", "--no-promote")
    assert code == 0
    out, err = capsys.readouterr()
    assert f"skipped {DATA / 'bad_value.csv'}:5: conspiratorial value 'maybe'" in err
    assert "skipped 1 invalid row(s)" in err
    assert "not promoted (--no-promote); the gate" in out
    assert "labels: 108 row(s) from 2 file(s)" in out
    card = read_card(models_dir / "partial")
    assert [(f["file"], f["rows_used"], f["skipped_rows"]) for f in card["labels_files"]] == [
        ("new_labels.csv", 106, 0), ("bad_value.csv", 2, 1)]
    assert ModelRegistry(models_dir).default_name() == "base"


# ------------------------------------------------------------------------ gate and versions
def test_a_run_that_fails_the_gate_keeps_the_default_and_force_and_rollback_work(
    models_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    registry = ModelRegistry(models_dir)
    default_before = (models_dir / "DEFAULT").read_bytes()
    base_before = snapshot(models_dir / "base")
    # trained on 106 labels alone, the model cannot hold the benchmark
    assert train(models_dir, "--labels", str(DATA / "new_labels.csv"), "--base", "none",
                 "--name", "narrow") == 0
    out = capsys.readouterr().out
    assert "gate: F1 of the new version against the current default base" in out
    assert "news_comments" in out and "NO" in out
    assert "not promoted: news_comments hostile: F1" in out and "(drop over 0.02)" in out
    assert "the default stays base" in out
    assert (models_dir / "DEFAULT").read_bytes() == default_before
    assert snapshot(models_dir / "base") == base_before
    assert registry.names() == ["base", "narrow"]
    assert read_card(models_dir / "narrow")["gate"]["passed"] is False
    assert main(["models", "--models-dir", str(models_dir), "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].startswith("* base") and not listing[0].endswith("(failed the gate)")
    assert listing[1].startswith("  narrow") and listing[1].endswith("(failed the gate)")

    assert train(models_dir, "--labels", str(DATA / "new_labels.csv"), "--base", "none",
                 "--name", "forced", "--force") == 0
    assert "promoted (--force): forced is the default" in capsys.readouterr().out
    assert registry.default_name() == "forced" and registry.history() == ["base"]
    assert read_card(models_dir / "forced")["gate"]["forced"] is True
    assert read_card(models_dir / "narrow")["gate"]["forced"] is False
    assert main(["models", "--models-dir", str(models_dir), "list"]) == 0
    forced_line = [x for x in capsys.readouterr().out.splitlines() if "forced" in x][0]
    assert forced_line.endswith("(gate overridden with --force: reasons in model.json)")

    assert main(["models", "--models-dir", str(models_dir), "rollback"]) == 0
    assert capsys.readouterr().out.strip() == "default model is now base"
    assert (models_dir / "DEFAULT").read_bytes() == default_before
    assert snapshot(models_dir / "base") == base_before


def test_a_killed_run_leaves_no_partial_model(models_dir: Path) -> None:
    before = snapshot(models_dir)
    env = {**os.environ, "MODERATION_CORPORA": NO_CORPORA, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "moderation", "train", "--labels", str(DATA / "new_labels.csv"),
           "--models-dir", str(models_dir), "--corpora", NO_CORPORA, "--name", "killed"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    try:
        deadline = time.monotonic() + 60
        line = ""
        while not line.startswith("training killed") and time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "train exited before it started training"
        assert line.startswith("training killed")
        time.sleep(1.0)  # well inside building the data and fitting
        assert proc.poll() is None, "training finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert not (models_dir / "killed").exists()
    assert {k: v for k, v in snapshot(models_dir).items() if not k.startswith(".tmp-")} == before
    assert ModelRegistry(models_dir).default_name() == "base"

    # a run killed while saving leaves a hidden temporary folder: never listed, removed next run
    stale = models_dir / ".tmp-killedsave"
    stale.mkdir()
    (stale / "model.joblib").write_bytes(b"half written")
    assert ModelRegistry(models_dir).names() == ["base"]
    assert train(models_dir, "--labels", str(DATA / "new_labels.csv"), "--base", "none",
                 "--name", "next", "--no-promote") == 0
    assert sorted(p.name for p in models_dir.iterdir()) == ["DEFAULT", "base", "next"]


# ------------------------------------------------------------------- the moderator's loop
def test_score_review_fill_in_train_list(models_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODERATION_MODELS", str(models_dir))
    monkeypatch.delenv("MODERATION_MODEL", raising=False)
    answers = pd.concat([pd.read_csv(DATA / "new_labels.csv", dtype=str, keep_default_na=False),
                         pd.read_csv(DATA / "unseen.csv", dtype=str, keep_default_na=False)])
    comments = tmp_path / "comments.csv"
    answers[["text"]].assign(id=[f"c{i}" for i in range(len(answers))]).to_csv(comments, index=False)

    scored, to_label = tmp_path / "scored.csv", tmp_path / "to_label.csv"
    assert main(["score", str(comments), "-o", str(scored), "--no-progress"]) == 0
    assert main(["review", str(scored), "-n", "200", "-o", str(to_label)]) == 0
    picked = pd.read_csv(to_label, dtype=str, keep_default_na=False)
    assert 100 <= len(picked) <= len(answers)  # near-copies left out
    assert (picked[["hostile", "conspiratorial"]] == "").all().all()

    # the moderator fills in the two label columns
    truth = answers.set_index("text")
    picked["hostile"] = picked["text"].map(truth["hostile"])
    picked["conspiratorial"] = picked["text"].map(truth["conspiratorial"])
    picked.to_csv(to_label, index=False)
    capsys.readouterr()

    assert main(["train", "--labels", str(to_label), "--name", "team-1"]) == 0
    out = capsys.readouterr().out
    assert f"labels: {len(picked)} row(s) from 1 file(s)" in out
    assert "new labels (held-out fifth)" in out and "news_comments" in out
    verdict = [line for line in out.splitlines() if "promoted" in line][0]
    promoted = verdict.startswith("promoted")
    card = read_card(models_dir / "team-1")
    assert card["gate"]["passed"] is promoted
    assert card["labels_files"][0]["file"] == "to_label.csv"
    assert card["labels_files"][0]["rows_used"] == len(picked)

    assert main(["models", "list"]) == 0
    listing = [line for line in capsys.readouterr().out.splitlines()
               if not line.endswith("(shipped, read-only)")]  # the shipped versions come last
    assert [line[2:].split()[0] for line in listing] == ["base", "team-1"]
    assert listing[1 if promoted else 0].startswith("*")
