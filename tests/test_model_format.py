"""The pickle-free model format (moderation.persist): loading a model never runs code from it.

Regression tests for issue 11, item 1: a folder whose ``model.json`` carried a pickle's own
SHA-256 made ``load_model`` execute the pickle.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from moderation.cli import main
from moderation.model import (
    CARD_FILE,
    LEGACY_MODEL_FILE,
    MODEL_FILES,
    Model,
    ModelError,
    ModelFormatError,
    ModelIntegrityError,
    convert_legacy_model,
    default_model_path,
    load_model,
    models_root,
    sha256_file,
)
from moderation.persist import ARRAYS_FILE, STRUCTURE_FILE, PersistError, dump_pipeline
from moderation.registry import ModelRegistry
from moderation.training import TrainConfig, train_model

DATA = Path(__file__).parent / "data"
PROBES = [
    "You are a stupid 1d10t and a m0r0n.",
    "The bus timetable changes on Monday.",
    "The gl0b@lists planned the pandemic to control us.",
    "I cannot stand Muslims, send them all back.",
    "What a f*cking i d i o t the mayor is.",
    "",
    "x " * 300,
]
SMALL = {"augment_copies": 0, "word_max_features": 3000, "char_max_features": 3000}


def _train(**config) -> Model:
    df = pd.read_csv(DATA / "score" / "train_tiny.csv")
    return train_model(df, TrainConfig(**{**SMALL, **config}))


@pytest.fixture(scope="module")
def category_model() -> Model:
    """A tiny model with every optional block: the category stream and the blended classifier."""
    return _train(category_max_features=2000)


class _Evil:
    """Unpickling this runs ``Path.touch`` on the marker: the attack of issue 11, item 1."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _legacy_folder(root: Path, pipeline: object, thresholds: dict[str, float], name: str = "legacy") -> Path:
    """A model folder as earlier versions wrote it: model.joblib and a card with its SHA-256."""
    import sklearn

    folder = root / name
    folder.mkdir(parents=True)
    joblib.dump(pipeline, folder / LEGACY_MODEL_FILE, compress=3)
    card = {"version": name, "thresholds": thresholds, "sklearn_version": sklearn.__version__,
            "model_sha256": sha256_file(folder / LEGACY_MODEL_FILE)}
    (folder / CARD_FILE).write_text(json.dumps(card))
    return folder


# ------------------------------------------------------------------------- round trips
@pytest.mark.parametrize(
    "config",
    [{}, {"category_max_features": 2000}, {"conspiratorial_model": "nblr"},
     {"conspiratorial_model": "lr", "category_max_features": 2000},
     {"category_max_features": 2000, "embedding_dims": 8}],
    ids=["default", "category", "nblr", "lr+category", "category+embedding"],
)
def test_round_trip_scores_are_exactly_equal_and_no_pickle_is_written(config: dict, tmp_path: Path) -> None:
    model = _train(**config)
    saved = model.save(tmp_path / "m")
    assert sorted(p.name for p in saved.iterdir()) == sorted([*MODEL_FILES, CARD_FILE])
    for name in MODEL_FILES:
        assert not (saved / name).read_bytes().startswith(b"\x80")  # no pickle protocol header
    with np.load(saved / ARRAYS_FILE, allow_pickle=False) as arrays:
        assert all(arrays[k].dtype != object for k in arrays.files)
    loaded = load_model(saved)
    np.testing.assert_array_equal(loaded.predict_proba(PROBES), model.predict_proba(PROBES))
    assert loaded.explain(PROBES[3]) == model.explain(PROBES[3])
    assert loaded.thresholds == model.thresholds
    card = json.loads((saved / CARD_FILE).read_text())
    assert card["model_format"] == "moderation-pipeline/1"
    assert card["model_bytes"] == sum((saved / n).stat().st_size for n in MODEL_FILES)
    assert load_model(saved / STRUCTURE_FILE).version == model.version
    # the category block and the fitted classes survive as themselves
    union = loaded.pipeline.named_steps["features"]
    assert [n for n, _ in union.transformer_list] == [n for n, _ in model.pipeline.named_steps["features"].transformer_list]
    assert union._fast_ok()


# ----------------------------------------------------------------------- no code runs
def test_a_legacy_pickle_is_refused_and_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    folder = _legacy_folder(tmp_path / "models", _Evil(marker), {"hostile": 0.5, "conspiratorial": 0.5})
    with pytest.raises(ModelFormatError) as info:
        load_model(folder)
    assert "moderation models convert" in str(info.value)
    assert not marker.exists()


def test_the_cli_refuses_a_legacy_pickle_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    marker = tmp_path / "pwned"
    folder = _legacy_folder(tmp_path / "models", _Evil(marker), {"hostile": 0.5, "conspiratorial": 0.5})
    page = tmp_path / "c.csv"
    page.write_text("text\nhello there\n")
    assert main(["score", str(page), "--model", str(folder), "-o", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "moderation models convert" in err
    assert not marker.exists()


def test_a_pipeline_naming_an_untrusted_class_is_refused(category_model: Model, tmp_path: Path) -> None:
    saved = category_model.save(tmp_path / "m")
    doc = json.loads((saved / STRUCTURE_FILE).read_text())
    doc["pipeline"]["state"]["steps"][0] = {
        "__tuple__": ["normalize", {"__object__": "subprocess.Popen", "state": {"args": "touch pwned"}}]
    }
    (saved / STRUCTURE_FILE).write_text(json.dumps(doc))
    card = json.loads((saved / CARD_FILE).read_text())
    card["model_files"][STRUCTURE_FILE] = sha256_file(saved / STRUCTURE_FILE)  # a consistent forgery
    (saved / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelFormatError, match="not one of the trusted model classes"):
        load_model(saved)


@pytest.mark.parametrize(
    "bad",
    [
        {"__object__": "moderation.normalize.TextNormalizer", "state": {"__class__": "x"}},
        {"__type__": "object"},
        {"__npscalar__": "|O", "value": 1},
        {"__array__": "nope"},
        {"__weird__": 1},
    ],
)
def test_malformed_entries_are_refused(category_model: Model, tmp_path: Path, bad: dict) -> None:
    saved = category_model.save(tmp_path / "m")
    doc = json.loads((saved / STRUCTURE_FILE).read_text())
    doc["pipeline"]["state"]["memory"] = bad
    (saved / STRUCTURE_FILE).write_text(json.dumps(doc))
    card = json.loads((saved / CARD_FILE).read_text())
    card["model_files"][STRUCTURE_FILE] = sha256_file(saved / STRUCTURE_FILE)
    (saved / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelFormatError):
        load_model(saved)


def test_an_object_array_is_refused_without_unpickling(category_model: Model, tmp_path: Path) -> None:
    saved = category_model.save(tmp_path / "m")
    marker = tmp_path / "pwned"
    with np.load(saved / ARRAYS_FILE, allow_pickle=False) as arrays:
        data = {k: arrays[k] for k in arrays.files}
    data["a0"] = np.array([_Evil(marker)], dtype=object)
    with open(saved / ARRAYS_FILE, "wb") as fh:
        np.savez(fh, **data)
    card = json.loads((saved / CARD_FILE).read_text())
    card["model_files"][ARRAYS_FILE] = sha256_file(saved / ARRAYS_FILE)
    (saved / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelFormatError):
        load_model(saved)
    assert not marker.exists()


def test_a_changed_model_file_fails_the_integrity_check(category_model: Model, tmp_path: Path) -> None:
    saved = category_model.save(tmp_path / "m")
    data = bytearray((saved / ARRAYS_FILE).read_bytes())
    data[len(data) // 2] ^= 0x01
    (saved / ARRAYS_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="SHA-256"):
        load_model(saved)


def test_saving_an_untrusted_object_fails_before_writing(category_model: Model, tmp_path: Path) -> None:
    class Custom:
        pass

    pipeline = category_model.pipeline
    original = pipeline.steps[0]
    with pytest.raises(PersistError, match="TRUSTED_CLASSES"):
        dump_pipeline(type(pipeline)([("normalize", Custom()), *pipeline.steps[1:]]), tmp_path)
    assert pipeline.steps[0] is original
    assert not (tmp_path / STRUCTURE_FILE).exists()


# ------------------------------------------------------------------------- conversion
def test_convert_a_trusted_legacy_folder(category_model: Model, tmp_path: Path,
                                         capsys: pytest.CaptureFixture) -> None:
    folder = _legacy_folder(tmp_path / "models", category_model.pipeline, category_model.thresholds)
    with pytest.raises(ModelFormatError):
        load_model(folder)
    assert main(["models", "--models-dir", str(folder.parent), "convert", "legacy"]) == 0
    assert "converted" in capsys.readouterr().out
    assert not (folder / LEGACY_MODEL_FILE).exists()
    loaded = load_model(folder)
    np.testing.assert_array_equal(loaded.predict_proba(PROBES), category_model.predict_proba(PROBES))
    assert loaded.card["converted_from"]["file"] == LEGACY_MODEL_FILE
    with pytest.raises(FileNotFoundError, match="already converted"):
        convert_legacy_model(folder)


def test_convert_refuses_a_changed_pickle(category_model: Model, tmp_path: Path) -> None:
    folder = _legacy_folder(tmp_path / "models", category_model.pipeline, category_model.thresholds)
    with open(folder / LEGACY_MODEL_FILE, "ab") as fh:
        fh.write(pickle.dumps(0))
    with pytest.raises(ModelIntegrityError):
        convert_legacy_model(folder)
    assert sorted(p.name for p in folder.iterdir()) == [LEGACY_MODEL_FILE, CARD_FILE]
    assert not (folder / STRUCTURE_FILE).exists()


def test_the_shipped_default_model_is_pickle_free(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODERATION_MODEL", raising=False)
    monkeypatch.delenv("MODERATION_MODELS", raising=False)
    folder = default_model_path()
    if not (folder / CARD_FILE).is_file():
        pytest.skip("no default model in this checkout")
    assert not (folder / LEGACY_MODEL_FILE).exists()
    assert load_model(folder).thresholds


# -------------------------------------------------------------- DEFAULT and HISTORY
@pytest.mark.parametrize("pointer", ["../elsewhere/evil", "/etc", ".hidden", "a/b", ".."])
def test_a_default_pointer_outside_the_models_folder_is_never_followed(
    pointer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "models"
    root.mkdir()
    (root / "DEFAULT").write_text(pointer + "\n")
    monkeypatch.delenv("MODERATION_MODEL", raising=False)
    monkeypatch.setenv("MODERATION_MODELS", str(root))
    assert models_root() == root
    with pytest.raises(ModelError, match="models use"):
        default_model_path()
    assert ModelRegistry(root).default_name() is None
    assert main(["score", "-", "--no-progress"]) == 2


def test_rollback_refuses_a_history_line_outside_the_models_folder(
    category_model: Model, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    root = tmp_path / "models"
    category_model.save(root / "good")
    outside = category_model.save(tmp_path / "elsewhere" / "evil")
    (root / "DEFAULT").write_text("good\n")
    (root / "HISTORY").write_text("../elsewhere/evil\n")
    assert (root / "../elsewhere/evil" / CARD_FILE).is_file() and outside.is_dir()
    with pytest.raises(LookupError, match="never followed"):
        ModelRegistry(root).rollback()
    assert main(["models", "--models-dir", str(root), "rollback"]) == 2
    assert "never followed" in capsys.readouterr().err
    assert (root / "DEFAULT").read_text() == "good\n"


def test_models_use_error_has_no_stray_quote(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["models", "--models-dir", str(tmp_path), "use", "../../etc"]) == 2
    err = capsys.readouterr().err
    assert "'../../etc' is not a model version name" in err
    assert "etc'" not in err.replace("'../../etc'", "")


# ---------------------------------------------------------------- the lexicon travels with the model
def test_a_later_lexicon_does_not_change_a_saved_models_scores(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import moderation.features as features

    model = _train(category_max_features=2000)
    saved = load_model(model.save(tmp_path / "m"))
    before = saved.predict_proba(PROBES)
    union = saved.pipeline.named_steps["features"]
    assert dict(union.transformer_list)["lexicon"].word_categories_["idiot"] == ("insult",)
    assert dict(union.transformer_list)["category"].stream_tokens_["muslims"] == "GROUP"
    # a later release drops "idiot" and "muslims" from its word lists
    monkeypatch.setitem(features._WORD_CATEGORIES, "idiot", ())
    monkeypatch.delitem(features.STREAM_TOKENS, "muslims")
    fresh = load_model(tmp_path / "m")
    np.testing.assert_array_equal(fresh.predict_proba(PROBES), before)
    # a model saved before the lists were kept reads the current ones
    for _, vec in fresh.pipeline.named_steps["features"].transformer_list:
        vec.__dict__.pop("word_categories_", None)
        vec.__dict__.pop("stream_tokens_", None)
    vec = fresh.pipeline.named_steps["features"]
    vec.__dict__.pop("_fused_cache", None)
    assert not np.array_equal(fresh.predict_proba(PROBES), before)
