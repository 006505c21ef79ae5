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
    MODEL_FILES,
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
    assert sorted(p.name for p in saved.iterdir()) == sorted([*MODEL_FILES, CARD_FILE])
    loaded = load_model(saved)
    np.testing.assert_array_equal(loaded.predict_proba(PROBES), model.predict_proba(PROBES))
    assert loaded.thresholds == model.thresholds
    card = json.loads((saved / CARD_FILE).read_text())
    assert card["name"] == "tiny"
    assert card["model_bytes"] == sum((saved / name).stat().st_size for name in MODEL_FILES)
    # loading a model file's path itself finds its folder
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
        assert item["type"] in {"word", "char", "lexicon", "category"}
        assert item["text"] == [text[s:e] for s, e in item["spans"]]
    idiot = [item for item in items if item["ngram"] == "idiot"]
    assert idiot, items
    assert idiot[0]["text"] == ["1d10t"]
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


# Comments with punctuation glued to words, repeated words, quotes and disguises.
EXPLAIN_TEXTS = [
    *PROBES,
    "I am going to kill you.",
    "Honestly I cannot stand Muslims.",
    "you absolute 1d10t!!",
    '"You idiot," he said. You are an idiot, a stupid IDIOT!!!',
    "The globalists (((them))) planned it... wake up, sheeple!",
]
_EDGE_PUNCT = set(".,;:!?\"'()[]{}<>…-–—«»“”‘’")
_CATEGORY_TOKENS = {"SLUR", "DEHUM", "VIOLENT", "INSULT", "PROFANE", "GROUP", "CONSP", "YOU", "NEG"}


def _trimmed(piece: str) -> bool:
    """No punctuation around the words, except the echo brackets "(((them)))", which are kept."""
    if not piece or piece != piece.strip():
        return False
    first_ok = piece[0] not in _EDGE_PUNCT or piece.startswith("(((")
    last_ok = piece[-1] not in _EDGE_PUNCT or piece.endswith(")))")
    return first_ok and last_ok


def _all_items(model: Model, text: str) -> list[dict]:
    return [item for items in model.explain(text, top=100).values() for item in items]


@pytest.mark.parametrize("text", EXPLAIN_TEXTS)
def test_explain_items_are_trimmed_and_match_the_text(model: Model, text: str) -> None:
    for item in _all_items(model, text):
        assert item["text"] == [text[s:e] for s, e in item["spans"]], item
        assert all(_trimmed(piece) for piece in item["text"]), item


@pytest.mark.parametrize("text", EXPLAIN_TEXTS)
def test_explain_lists_each_word_or_phrase_once(model: Model, text: str) -> None:
    for label, items in model.explain(text, top=100).items():
        readings = [item["ngram"] for item in items]
        assert len(readings) == len(set(readings)), (label, readings)
        shown = [tuple(p.casefold() for p in item["text"]) for item in items]
        assert len(shown) == len(set(shown)), (label, shown)
        spans = [tuple(s) for item in items for s in item["spans"]]
        assert len(spans) == len(set(spans)), (label, spans)
        for item in items:
            # merged items sum the contributions of every feature on those words
            assert item["weight"] == pytest.approx(sum(f["weight"] for f in item["features"]), abs=1e-3)
            assert item["weight"] > 0


@pytest.mark.parametrize("text", EXPLAIN_TEXTS)
def test_explain_never_lists_a_function_word_alone(model: Model, text: str) -> None:
    from moderation.explain import FUNCTION_WORDS

    for item in _all_items(model, text):
        assert not all(w in FUNCTION_WORDS for w in item["ngram"].split()), item
        assert not all(p.casefold() in FUNCTION_WORDS for p in item["text"]), item
    for pieces in model.reasons(text, top=10).values():
        assert not [p for p in pieces if p.casefold() in FUNCTION_WORDS], pieces


def test_explain_merges_a_word_seen_several_times(model: Model) -> None:
    text = '"You idiot," he said. You are an idiot, a stupid IDIOT!!!'
    idiot = [item for item in model.explain(text)["hostile"] if item["ngram"] == "idiot"]
    assert len(idiot) == 1
    assert idiot[0]["text"] == ["idiot", "idiot", "IDIOT"]
    # the word, its character n-grams and its lexicon category make one item
    assert {f["type"] for f in idiot[0]["features"]} >= {"word", "char", "lexicon"}


def test_explain_disguise_span_is_exact(model: Model) -> None:
    text = "You are a stupid 1d10t and a m0r0n."
    pieces = {p for item in model.explain(text, top=100)["hostile"] for p in item["text"]}
    assert "1d10t" in pieces and "m0r0n" in pieces and "m0r0n." not in pieces


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("you.", "you"),
        ('"Muslims!"', "Muslims"),
        ("1d10t!!", "1d10t"),
        ("(idiot),", "idiot"),
        ("f*ck", "f*ck"),
        ("$hit", "$hit"),
        ("i d i o t.", "i d i o t"),
        ("ＩＤＩＯＴ！", "ＩＤＩＯＴ"),
        ("...", "..."),
    ],
)
def test_trim_span(raw: str, shown: str) -> None:
    from moderation.explain import trim_span

    text = f"x {raw} y"
    s, e = trim_span(text, 2, 2 + len(raw))
    assert text[s:e] == shown


def test_explain_words_keep_sub_spans_and_echo_brackets() -> None:
    from moderation.explain import _words_of
    from moderation.normalize import normalize_tokens

    text = '"You idiot," he said of (((them))). covid-19!'
    w = _words_of(text, normalize_tokens(text))
    shown = {word: (text[s[0]:s[1]] if s else None) for word, s in zip(w.words, w.spans, strict=True)}
    assert shown["xquote"] is None  # the quote mark is not a word
    assert shown["you"] == "You" and shown["idiot"] == "idiot"
    assert shown["xecho"] == "(((them)))" and shown["them"] == "them"
    assert shown["covid"] == "covid" and shown["19"] == "19"


def test_reasons_are_trimmed_unique_original_text(model: Model) -> None:
    text = '"You idiot," he said. You are an idiot, a stupid IDIOT!!!'
    reasons = model.reasons(text, top=10)
    for pieces in reasons.values():
        assert len({p.casefold() for p in pieces}) == len(pieces), pieces
        for p in pieces:
            assert p in text and _trimmed(p), pieces
    assert "idiot" in [p.casefold() for p in reasons["hostile"]]


# ------------------------------------------------------- explaining the category stream
CATEGORY_ROWS = [
    ("I cannot stand Muslims, send them all back.", 1),
    ("Honestly I cannot stand Jews.", 1),
    ("I cannot stand immigrants, they ruin everything.", 1),
    ("Honestly I cannot stand gays.", 1),
]


@pytest.fixture(scope="module")
def category_model() -> Model:
    """A tiny model with the category-stream block, trained on tests/data/score/train_tiny.csv
    plus a few comments where "cannot stand GROUP" is hostile."""
    df = pd.read_csv(Path(__file__).parent / "data" / "score" / "train_tiny.csv")
    extra = pd.DataFrame(
        [
            {"text": t, "hostile": y, "conspiratorial": 0, "kind": "positive",
             "source": "news_comments", "split": "train", "weight": 1}
            for t, y in CATEGORY_ROWS
        ]
    )
    config = TrainConfig(
        augment_copies=0, word_max_features=5000, char_max_features=5000, category_max_features=2000
    )
    return train_model(pd.concat([df, extra], ignore_index=True), config)


def test_category_items_show_the_original_words(category_model: Model) -> None:
    union = category_model.pipeline.named_steps["features"]
    assert "NEG stand GROUP" in dict(union.transformer_list)["category"].vocabulary_
    text = "Honestly I cannot stand Catholics."  # a group the training rows never named
    items = category_model.explain(text, top=100)["hostile"]
    cat = [item for item in items if any(f["type"] == "category" for f in item["features"])]
    assert cat, items
    for item in cat:
        assert item["text"] == [text[s:e] for s, e in item["spans"]]
        for shown in (item["ngram"], *item["text"]):
            assert not _CATEGORY_TOKENS & set(shown.split()), item
    phrase = [item for item in cat if item["text"] == ["cannot stand Catholics"]]
    assert phrase, cat
    assert phrase[0]["type"] == "category"
    assert phrase[0]["ngram"] == "cannot stand catholics"
    assert "NEG stand GROUP" in [f["feature"] for f in phrase[0]["features"]]
    assert "cannot stand Catholics" in category_model.reasons(text, top=10)["hostile"]


@pytest.mark.parametrize("text", EXPLAIN_TEXTS)
def test_category_model_explanations_are_clean(category_model: Model, text: str) -> None:
    from moderation.explain import FUNCTION_WORDS

    for label, items in category_model.explain(text, top=100).items():
        assert len({item["ngram"] for item in items}) == len(items), label
        for item in items:
            assert item["type"] in {"word", "char", "lexicon", "category"}
            assert item["text"] == [text[s:e] for s, e in item["spans"]]
            assert all(_trimmed(piece) for piece in item["text"]), item
            assert not _CATEGORY_TOKENS & set(" ".join(item["text"]).split()), item
            assert not all(w in FUNCTION_WORDS for w in item["ngram"].split()), item


# ------------------------------------------------------------------ scoring
def test_score_keeps_input_order(model: Model) -> None:
    forward = model.score(PROBES)
    backward = model.score(list(reversed(PROBES)))
    assert list(forward.columns) == [
        "hostile_score",
        "conspiratorial_score",
        "hostile_flag",
        "conspiratorial_flag",
        "language",
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


def test_large_batches_are_scored_in_slices_with_equal_scores(tiny_model, monkeypatch) -> None:
    import moderation.model as model_module
    from moderation.obfuscate import obfuscate

    base = ["you are a stupid idiot", "the council fixed the bus lanes", "they planned it all",
            "", "Vielen Dank für diese Recherche", "f*ck y0u 1d10t", "s c u m", "go to example.com"]
    texts = [obfuscate(t, seed=i) if i % 3 else t for i, t in enumerate(base * 40)]
    whole = tiny_model.predict_proba(texts)
    monkeypatch.setattr(model_module, "SCORE_ROWS", 70)  # 320 texts: 5 slices of 64
    np.testing.assert_array_equal(tiny_model.predict_proba(texts), whole)
    monkeypatch.setattr(model_module, "SCORE_ROWS", 100)  # 4 slices of 80
    np.testing.assert_array_equal(tiny_model.predict_proba(texts), whole)
