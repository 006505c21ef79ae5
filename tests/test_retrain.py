"""Retraining with a team's own labels: validation, override, gate, versions (moderation.retrain).

CI trains only on our committed comments (the corpus folder points nowhere) with a small config.
The coined-word test teaches a made-up slur ("vankrel") and a made-up conspiracy ("the Velmora
Directive", tests/data/retrain/new_labels.csv) and checks that unseen comments using them flip
while the benchmark holds within the promotion gate.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import moderation
import moderation.retrain
from moderation.model import load_model, read_card
from moderation.registry import ModelRegistry
from moderation.retrain import (
    MAX_BENCHMARK_DROP,
    NEW_SOURCE,
    GateResult,
    LabelsError,
    Trainer,
    _combine,
    _holdout,
    load_labels,
)
from moderation.training import TrainConfig

pytestmark = pytest.mark.filterwarnings("ignore::moderation.corpora.DatasetWarning")

DATA = Path(__file__).parent / "data" / "retrain"
NO_CORPORA = "/nonexistent/corpora"
#: Small and fast, otherwise the shipped defaults (C, source weights).
SMALL = TrainConfig(augment_copies=1, word_max_features=20_000, char_max_features=20_000)


# ------------------------------------------------------------------------------ load_labels
def test_load_labels_accepts_every_allowed_value_and_merges_same_text(tmp_path: Path) -> None:
    labels, problems = load_labels(DATA / "formats.jsonl")
    assert problems == []
    got = {t: (h, c) for t, h, c in labels[["text", "hostile", "conspiratorial"]].itertuples(index=False)}
    assert got["Only a vankrel would park there."] == (1.0, 0.0)
    assert got["The Velmora Directive planned the floods."] == (0.0, 1.0)
    h, c = got["The bus was late again this morning."]
    assert h == 0.0 and np.isnan(c)
    h, c = got["The new library opens on Monday."]
    assert np.isnan(h) and c == 0.0
    assert labels.set_index("text").loc["The new library opens on Monday.", "line"] == 5

    # one file gives hostile, another conspiratorial, for the same normalised text: both kept
    a = tmp_path / "a.csv"
    a.write_text("text,hostile\nOnly a vankrel would park there.,1\n")
    b = tmp_path / "b.csv"
    b.write_text("text,conspiratorial\nonly a vankrel would park there,0\n")
    merged, _ = load_labels([a, b])
    assert len(merged) == 1
    assert (merged.loc[0, "hostile"], merged.loc[0, "conspiratorial"]) == (1.0, 0.0)


def test_spreadsheet_csv_semicolons_capitals_blank_lines_and_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffText;Hostile\r\nFine.;0\r\n\r\n\"Two\r\nlines\";1\r\nOdd.;2\r\n".encode())
    with pytest.raises(LabelsError) as info:
        load_labels(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:6: hostile value '2' is not one of 1/0, yes/no, true/false or empty"]
    labels, _ = load_labels(path, skip_invalid=True)
    assert labels[["text", "hostile", "line"]].values.tolist() == [["Fine.", 0.0, 2], ["Two\r\nlines", 1.0, 4]]
    assert labels["conspiratorial"].isna().all()


def test_an_unquoted_comma_is_reported_not_silently_truncated(tmp_path: Path) -> None:
    path = tmp_path / "commas.csv"
    path.write_text("text,hostile,conspiratorial\nYes, they planned it all,0,1\n")
    with pytest.raises(LabelsError, match=r"commas.csv:2: 4 cells but the header has 3"):
        load_labels(path)


def test_rows_with_no_label_are_ignored_not_errors(tmp_path: Path) -> None:
    path = tmp_path / "half_done.csv"
    path.write_text("text,hostile,conspiratorial\nFilled in.,1,0\nNot yet.,,\nAlso not yet.,,\n")
    labels, problems = load_labels(path)
    assert problems == []
    assert labels["text"].tolist() == ["Filled in."]
    assert labels.attrs["unlabelled"] == 2


@pytest.mark.parametrize(
    "files, expected",
    [
        (["bad_empty_text.csv"], ["bad_empty_text.csv:3: empty text"]),
        (["bad_value.csv"], ["bad_value.csv:5: conspiratorial value 'maybe' is not one of"]),
        (["conflict_a.csv", "conflict_b.csv"],
         ["conflict_a.csv:3: same text labelled hostile=1 here and hostile=0 at ",
          "conflict_b.csv:3: same text labelled hostile=0 here and hostile=1 at "]),
        (["missing_columns.csv"], ["missing_columns.csv:1: needs a 'text' column"]),
        (["no_such_file.csv"], ["no_such_file.csv: file not found"]),
    ],
)
def test_invalid_labels_are_reported_with_file_and_line(files: list[str], expected: list[str]) -> None:
    with pytest.raises(LabelsError) as info:
        load_labels([DATA / f for f in files])
    messages = [str(p).replace(str(DATA) + "/", "") for p in info.value.problems]
    assert len(messages) == len(expected)
    for message, start in zip(sorted(messages), sorted(expected), strict=True):
        assert message.startswith(start), message


def test_skip_invalid_keeps_the_valid_rows_but_never_a_broken_file() -> None:
    labels, problems = load_labels([DATA / "bad_value.csv", DATA / "bad_empty_text.csv"], skip_invalid=True)
    assert sorted(labels["text"].str[:20]) == sorted(
        ["The bus was late aga", "The council meeting ", "Only a vankrel would"]
    )
    assert [(Path(p.file).name, p.line) for p in problems] == [("bad_value.csv", 5), ("bad_empty_text.csv", 3)]
    with pytest.raises(LabelsError, match="needs a 'text' column"):
        load_labels([DATA / "new_labels.csv", DATA / "missing_columns.csv"], skip_invalid=True)


def test_load_labels_reads_dataframes_with_nullable_labels() -> None:
    frame = pd.DataFrame({"text": ["a vankrel", "the Velmora Directive did it", None],
                          "hostile": pd.array([1, pd.NA, 0], dtype="Int8"),
                          "conspiratorial": pd.array([0, 1, 0], dtype="Int8")})
    with pytest.raises(LabelsError) as info:
        load_labels(frame)
    assert [str(p) for p in info.value.problems] == ["<DataFrame>:3: empty text"]
    labels, _ = load_labels(frame.iloc[:2])
    assert labels["hostile"].tolist()[0] == 1.0 and np.isnan(labels["hostile"].tolist()[1])


# -------------------------------------------------------------------- combining with the base
def test_new_labels_override_the_base_and_weigh_more() -> None:
    base = pd.DataFrame({"text": ["Only a vankrel would park there.", "Untouched row."],
                         "hostile": [0, 1], "conspiratorial": [0, 0], "source": "news_comments",
                         "licence": "MIT", "split": ["test", "train"], "weight": [10.0, 10.0], "kind": None})
    labels = pd.DataFrame({"text": ["only a VANKREL would park there!"], "hostile": [1.0],
                           "conspiratorial": [np.nan], "file": "x.csv", "line": [2]})
    out = _combine(base, labels, weight=20.0)
    assert len(out) == 2
    new = out[out["source"] == NEW_SOURCE].iloc[0]
    assert (new["hostile"], new["weight"]) == (1.0, 20.0)
    assert out[out["source"] == "news_comments"]["text"].tolist() == ["Untouched row."]


def test_holdout_is_a_deterministic_fifth() -> None:
    texts = pd.Series([f"comment number {i}" for i in range(2000)])
    first, again = _holdout(texts), _holdout(texts)
    assert (first == again).all()
    assert 0.17 < first.mean() < 0.23
    labels, _ = load_labels(DATA / "new_labels.csv")
    held = _holdout(labels["text"])
    assert 0 < held.sum() < len(labels) / 2


@pytest.fixture
def no_check_floors(monkeypatch, tmp_path: Path) -> Path:
    """Floors of 0 for the functional suite: the toy models trained here (our comments only, a
    small config) cannot reach the shipped model's floors. The gate's other suite rule (no
    functionality more than 0.10 below the current default) still applies."""
    import json

    import moderation.check as check

    path = tmp_path / "zero-floors.json"
    path.write_text(json.dumps({"floors": {name: 0.0 for name in check.load_functionalities()}}))
    monkeypatch.setattr(check, "FLOORS_FILE", path)
    return path


# ------------------------------------------------------------------ coined words, end to end
def test_new_labels_teach_a_coined_slur_and_conspiracy(models_dir: Path, no_check_floors: Path) -> None:
    registry = ModelRegistry(models_dir)
    unseen = pd.read_csv(DATA / "unseen.csv")
    negatives = pd.read_csv(DATA / "unseen_negatives.csv")
    before = load_model(registry.path("base"))

    result = Trainer(labels=DATA / "new_labels.csv", corpora=NO_CORPORA, registry=registry,
                     name="coined").run()
    after = load_model(registry.path("coined"))

    for label in ("hostile", "conspiratorial"):
        rows = unseen[unseen[label] == 1]
        old = before.score(rows["text"])[f"{label}_score"]
        new = after.score(rows["text"])[f"{label}_score"]
        unflagged = old < before.thresholds[label]
        # the base model has never seen the coined words: (almost) none of these is flagged yet
        assert unflagged.sum() >= len(rows) - 1, f"base model already flags {label}: {old.tolist()}"
        assert (new >= after.thresholds[label]).all(), f"retrained model misses {label}: {new.tolist()}"
        assert (new[unflagged] > old[unflagged] + 0.2).all(), f"{label} scores barely moved"
    neutral = after.score(negatives.loc[negatives["kind"] == "neutral", "text"])
    assert not neutral[["hostile_flag", "conspiratorial_flag"]].to_numpy().any()

    gate: GateResult = result["gate"]
    assert gate.passed and result["promoted"], gate.table()
    assert registry.default_name() == "coined"
    bench = [r for r in gate.rows if r["set"] == "news_comments"]
    held = [r for r in gate.rows if r["set"].startswith("new labels")]
    assert {r["label"] for r in bench} == {"hostile", "conspiratorial"}
    assert all(r["change"] >= -MAX_BENCHMARK_DROP for r in bench), gate.table()
    assert held and all(r["change"] >= 0 for r in held), gate.table()
    assert any(r["change"] > 0 for r in held), gate.table()

    card = read_card(registry.path("coined"))
    assert card["config"]["word_max_features"] == SMALL["word_max_features"]  # inherited
    [info] = card["labels_files"]
    assert info["file"] == "new_labels.csv" and len(info["sha256"]) == 64
    assert info["rows_used"] == 106
    assert info["hostile"] == {"1": 24, "0": 78} and info["conspiratorial"] == {"1": 24, "0": 78}
    assert card["gate"]["passed"] is True and card["gate"]["compared_with"] == "base"


# ----------------------------------------------------------------------------- Python API
def test_train_api_returns_an_unsaved_model_that_saves_and_loads(tmp_path: Path) -> None:
    # importing the training module (TrainConfig) must not shadow the function
    assert moderation.train is moderation.retrain.train
    labels = pd.read_csv(DATA / "new_labels.csv", keep_default_na=False)
    model = moderation.train(labels=labels, base="none", corpora=NO_CORPORA,
                             config=TrainConfig(augment_copies=0, word_max_features=5000,
                                                char_max_features=5000))
    assert isinstance(model, moderation.Model)
    assert model.card["base"] == "none"
    assert model.card["labels_files"][0]["rows_used"] == 106
    saved = model.save(tmp_path / "from-api")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["from-api"]
    again = moderation.load_model(saved)
    texts = ["This heatwave is the Velmora Directive at work."]
    assert np.allclose(again.predict_proba(texts), model.predict_proba(texts))
    with pytest.raises(FileExistsError):
        model.save(saved)


def test_train_api_refuses_invalid_labels_before_training() -> None:
    with pytest.raises(LabelsError, match="bad_value.csv:5"):
        moderation.train(labels=DATA / "bad_value.csv", base="none")
    with pytest.raises(ValueError, match="base must be"):
        moderation.train(labels=DATA / "new_labels.csv", base="everything")


# ------------------------------------------------------------------ runs: names, gate, stale
@pytest.mark.parametrize("name", ["../escape", "DEFAULT", ".tmp-x", "a/b", ""])
def test_unusable_version_names_are_refused(tmp_path: Path, name: str) -> None:
    trainer = Trainer(registry=ModelRegistry(tmp_path), name=name or None)
    if not name:  # no name: a timestamp, which is fine
        assert trainer.check_name().name.startswith("model-")
        return
    with pytest.raises(ValueError, match="not a usable model name"):
        trainer.check_name()


def test_existing_version_is_refused_before_training(models_dir: Path) -> None:
    trainer = Trainer(labels=DATA / "new_labels.csv", corpora=NO_CORPORA,
                      registry=ModelRegistry(models_dir), name="base")
    with pytest.raises(FileExistsError, match="never overwritten"):
        trainer.run()
    assert trainer.data is None  # nothing was built or trained


def test_gate_refuses_when_the_current_default_cannot_be_loaded(models_dir: Path) -> None:
    registry = ModelRegistry(models_dir)
    (models_dir / "base" / "pipeline.npz").write_bytes(b"corrupted")
    trainer = Trainer(labels=DATA / "new_labels.csv", base="none", corpora=NO_CORPORA,
                      config=TrainConfig(augment_copies=0, word_max_features=5000, char_max_features=5000),
                      registry=registry, name="after-corruption")
    result = trainer.run()
    assert not result["gate"].passed and not result["promoted"]
    assert "cannot be loaded" in result["gate"].reasons[0]
    assert registry.default_name() == "base"
    assert (models_dir / "after-corruption" / "model.json").is_file()


# ------------------------------------------------------------------------- gate on small sets
class _Stub:
    """A model whose scores are set by hand: 1.0 for texts in ``flag``, else 0.0."""

    def __init__(self, flag: set[str]) -> None:
        self.flag = flag
        self.thresholds = {"hostile": 0.5, "conspiratorial": 0.5}

    def predict_proba(self, texts):
        return np.array([[1.0 if t in self.flag else 0.0, 0.0] for t in texts])


def test_small_benchmark_sets_are_shown_but_do_not_gate(monkeypatch, tmp_path: Path,
                                                        no_check_floors: Path) -> None:
    import moderation.retrain as retrain

    big = [f"big {i}" for i in range(120)]
    small = [f"small {i}" for i in range(40)]
    data = pd.DataFrame({
        "text": big + small,
        "hostile": [1.0] * 30 + [0.0] * 90 + [1.0] * 20 + [0.0] * 20,
        "conspiratorial": np.nan,
        "source": ["bigset"] * 120 + ["smallset"] * 40,
        "split": "test",
    })
    current = _Stub(set(big[:30]) | set(small[:20]))
    trainer = Trainer(registry=ModelRegistry(tmp_path))
    trainer.data = data
    monkeypatch.setattr(trainer.registry, "default_name", lambda: "cur")
    monkeypatch.setattr(trainer.registry, "path", lambda name: tmp_path)
    monkeypatch.setattr(retrain, "load_model", lambda path: current)

    # the new model misses 5 of the small set's 20 positives: F1 1.0 -> 0.857, a drop of 0.14
    verdict = trainer.gate(_Stub(set(big[:30]) | set(small[:15])))
    small_row = next(r for r in verdict.rows if r["set"] == "smallset")
    assert not small_row["ok"] and not small_row["gating"]
    assert verdict.passed, verdict.reasons
    assert "not gating" in verdict.table()

    # the same drop on the big set refuses promotion
    verdict = trainer.gate(_Stub(set(big[:25]) | set(small[:20])))
    assert not verdict.passed and any("bigset" in r for r in verdict.reasons)


# ---------------------------------------------------------------- gate on the functional suite
class _SuiteStub:
    """A model that answers every functional-suite case right, except the cases of ``wrong``."""

    def __init__(self, wrong: tuple[str, ...] = ()) -> None:
        from moderation.check import generate_suite

        suite = generate_suite()
        self.answers = dict(zip(suite["text"], zip(suite["functionality"], suite["label"],
                                                   suite["expected"], strict=True), strict=True))
        self.wrong = set(wrong)
        self.thresholds = {"hostile": 0.5, "conspiratorial": 0.5}

    def predict_proba(self, texts):
        out = np.zeros((len(texts), 2))
        for i, text in enumerate(texts):
            if text in self.answers:
                functionality, label, expected = self.answers[text]
                right = float(expected)
                out[i, 0 if label == "hostile" else 1] = 1 - right if functionality in self.wrong else right
        return out


def test_gate_refuses_a_model_below_a_functional_floor_or_far_below_the_default(
        monkeypatch, tmp_path: Path) -> None:
    import json

    import moderation.check as check
    import moderation.retrain as retrain

    floors = {name: 0.0 for name in check.load_functionalities()}
    floors["threat_direct"] = 0.5
    path = tmp_path / "floors.json"
    path.write_text(json.dumps({"floors": floors}))
    monkeypatch.setattr(check, "FLOORS_FILE", path)
    trainer = Trainer(registry=ModelRegistry(tmp_path))
    trainer.data = pd.DataFrame(columns=["text", "hostile", "conspiratorial", "source", "split"])
    monkeypatch.setattr(trainer.registry, "default_name", lambda: "cur")
    monkeypatch.setattr(trainer.registry, "path", lambda name: tmp_path)
    monkeypatch.setattr(retrain, "load_model", lambda path: _SuiteStub())

    verdict = trainer.gate(_SuiteStub())
    assert verdict.passed, verdict.reasons
    assert any("functional check" in r for r in verdict.reasons)

    # below the floor of threat_direct (0.5): refused, and the reason names the functionality
    verdict = trainer.gate(_SuiteStub(wrong=("threat_direct",)))
    assert not verdict.passed
    assert any(r.startswith("functional check threat_direct (hostile)") and "below its floor 0.50" in r
               for r in verdict.reasons), verdict.reasons

    # no floor is missed (satire's is 0), but satire drops from 1.00 to 0.00 against the default
    verdict = trainer.gate(_SuiteStub(wrong=("satire",)))
    assert not verdict.passed
    assert [r for r in verdict.reasons if "satire" in r] == [
        "functional check satire (conspiratorial): accuracy 0.00 vs current 1.00 (drop over 0.10)"]
