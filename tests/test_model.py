"""Tests for moderation.model: training determinism, persistence, integrity, explanations, scoring."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from moderation.model import (
    CARD_FILE,
    MODEL_FILE,
    Model,
    ModelIntegrityError,
    ModelVersionError,
    load_model,
)
from moderation.training import TrainConfig, train_model

TINY_CSV = Path(__file__).parent / "data" / "model" / "tiny_labelled.csv"
CONFIG = {"augment_copies": 1, "word_max_features": 3000, "char_max_features": 3000}
PROBES = [
    "You are a stupid 1d10t and a m0r0n.",
    "The bus timetable changes on Monday.",
    "The gl0b@lists planned the pandemic to control us.",
    "What a f*cking i d i o t the mayor is.",
    "The library opens late on Thursdays.",
]


def _train() -> Model:
    return train_model(pd.read_csv(TINY_CSV), TrainConfig(**CONFIG))


@pytest.fixture(scope="module")
def model() -> Model:
    """A tiny model trained once for this module on tests/data/model/tiny_labelled.csv."""
    return _train()


@pytest.fixture(scope="module")
def saved(model: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model saved once; tests that damage it work on a copy."""
    return model.save(tmp_path_factory.mktemp("models") / "tiny")


def _copy(saved: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(saved, tmp_path / saved.name))


# ----------------------------------------------------------------- training
def test_fixture_is_well_formed() -> None:
    df = pd.read_csv(TINY_CSV)
    assert 50 <= len(df) <= 80
    assert set(df["split"]) == {"train", "validation"}
    assert set(df["source"]) == {"news_comments"}
    assert (df["weight"] == 1).all()
    for split in ("train", "validation"):
        sub = df[df["split"] == split]
        for label in ("hostile", "conspiratorial"):
            assert set(sub[label]) == {0, 1}, (split, label)


def test_tiny_model_learns_something(model: Model) -> None:
    scores = model.predict_proba(PROBES)
    assert scores.shape == (len(PROBES), 2)
    assert ((scores >= 0) & (scores <= 1)).all()
    hostile, conspiratorial = scores[:, 0], scores[:, 1]
    assert hostile[0] > hostile[1] and hostile[3] > hostile[4]
    assert conspiratorial[2] > conspiratorial[1]
    assert set(model.thresholds) == {"hostile", "conspiratorial"}
    assert model.card["config"] == dict(TrainConfig(**CONFIG))
    assert model.card["training_rows"] == 2 * 44  # train rows plus one disguised copy each


def test_training_is_deterministic(model: Model) -> None:
    again = _train()
    np.testing.assert_array_equal(again.predict_proba(PROBES), model.predict_proba(PROBES))
    assert again.thresholds == model.thresholds


# -------------------------------------------------------------- persistence
def test_save_load_round_trip_gives_identical_scores(model: Model, saved: Path) -> None:
    assert sorted(p.name for p in saved.iterdir()) == [MODEL_FILE, CARD_FILE]
    loaded = load_model(saved)
    np.testing.assert_array_equal(loaded.predict_proba(PROBES), model.predict_proba(PROBES))
    assert loaded.thresholds == model.thresholds
    card = json.loads((saved / CARD_FILE).read_text())
    assert card["name"] == "tiny"
    assert card["model_bytes"] == (saved / MODEL_FILE).stat().st_size
    # loading the model.joblib path itself finds its folder
    assert load_model(saved / MODEL_FILE).thresholds == model.thresholds


def test_tampered_model_file_raises_integrity_error(saved: Path, tmp_path: Path) -> None:
    folder = _copy(saved, tmp_path)
    data = bytearray((folder / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0x01
    (folder / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="SHA-256"):
        load_model(folder)


def test_other_sklearn_version_raises_version_error(saved: Path, tmp_path: Path) -> None:
    folder = _copy(saved, tmp_path)
    card = json.loads((folder / CARD_FILE).read_text())
    card["sklearn_version"] = "1.2.2"
    (folder / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelVersionError) as info:
        load_model(folder)
    message = str(info.value)
    assert "1.2.2" in message
    assert "moderation train" in message  # says how to retrain
    assert "pip install 'scikit-learn==1.2.2'" in message


def test_missing_card_says_how_to_train(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="moderation train"):
        load_model(tmp_path)


def test_save_refuses_an_existing_folder(model: Model, tmp_path: Path) -> None:
    target = tmp_path / "v1"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="already exists"):
        model.save(target)
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["v1"]  # no temporary folder left behind


# --------------------------------------------------------------- explaining
def test_explain_points_at_the_disguised_word(model: Model) -> None:
    text = "You are a stupid 1d10t and a m0r0n."
    result = model.explain(text)
    assert set(result) == {"hostile", "conspiratorial"}
    items = result["hostile"]
    assert items and len(items) <= 8
    weights = [item["weight"] for item in items]
    assert weights == sorted(weights, reverse=True) and min(weights) > 0
    for item in items:
        assert item["type"] in {"word", "char", "lexicon"}
        assert item["text"] == [text[s:e] for s, e in item["spans"]]
    idiot = [item for item in items if item["ngram"] == "idiot"]
    assert idiot, items
    assert any("1d10t" in piece for piece in idiot[0]["text"])
    originals = {piece for item in items for piece in item["text"]}
    assert any("1d10t" in piece for piece in originals)


def test_explain_spaced_letters_map_back_to_the_whole_run(model: Model) -> None:
    text = "What a f*cking i d i o t the mayor is."
    spans = [item["spans"] for item in model.explain(text)["hostile"] if item["ngram"] == "idiot"]
    start = text.index("i d i o t")
    assert spans == [[[start, start + len("i d i o t")]]]


def test_reasons_lists_original_words(model: Model) -> None:
    reasons = model.reasons("You are a stupid 1d10t and a m0r0n.", top=3)
    assert len(reasons["hostile"]) == 3
    assert "1d10t" in reasons["hostile"]


def test_explain_rejects_a_non_string(model: Model) -> None:
    with pytest.raises(TypeError, match="list"):
        model.explain(["not", "a", "string"])  # type: ignore[arg-type]


# ------------------------------------------------------------------ scoring
def test_score_keeps_input_order(model: Model) -> None:
    forward = model.score(PROBES)
    backward = model.score(list(reversed(PROBES)))
    assert list(forward.columns) == [
        "hostile_score",
        "conspiratorial_score",
        "hostile_flag",
        "conspiratorial_flag",
    ]
    np.testing.assert_array_equal(
        forward["hostile_score"].to_numpy(), backward["hostile_score"].to_numpy()[::-1]
    )
    one_by_one = [model.score([t])["conspiratorial_score"].iloc[0] for t in PROBES]
    np.testing.assert_allclose(forward["conspiratorial_score"].to_numpy(), one_by_one, rtol=1e-12)
    expected_flags = forward["hostile_score"] >= model.thresholds["hostile"]
    assert forward["hostile_flag"].tolist() == expected_flags.tolist()


def test_score_accepts_a_series_and_keeps_its_index(model: Model) -> None:
    series = pd.Series(PROBES[:3], index=["a", "b", "c"])
    out = model.score(series)
    assert list(out.index) == ["a", "b", "c"]
    np.testing.assert_array_equal(
        out[["hostile_score", "conspiratorial_score"]].to_numpy(), model.predict_proba(PROBES[:3])
    )
    assert len(model.score(iter(PROBES))) == len(PROBES)  # any iterable


def test_score_none_gives_nan_false_and_one_warning(model: Model) -> None:
    texts = [PROBES[0], None, PROBES[1], float("nan")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = model.score(texts)
    mine = [w for w in caught if issubclass(w.category, UserWarning)]
    assert len(mine) == 1
    assert "2 missing" in str(mine[0].message)
    assert out["hostile_score"].isna().tolist() == [False, True, False, True]
    assert out["conspiratorial_score"].isna().tolist() == [False, True, False, True]
    assert out.loc[[1, 3], ["hostile_flag", "conspiratorial_flag"]].to_numpy().tolist() == [
        [False, False],
        [False, False],
    ]
    np.testing.assert_array_equal(
        out.loc[[0, 2], ["hostile_score", "conspiratorial_score"]].to_numpy(),
        model.predict_proba([PROBES[0], PROBES[1]]),
    )


def test_score_without_missing_texts_does_not_warn(model: Model) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.score(PROBES[:2])


def test_score_rejects_a_non_string_naming_its_position(model: Model) -> None:
    with pytest.raises(TypeError, match=r"texts\[2\] is int"):
        model.score(["fine", "also fine", 42])


def test_score_empty_input(model: Model) -> None:
    out = model.score([])
    assert len(out) == 0
    assert model.predict_proba([]).shape == (0, 2)
