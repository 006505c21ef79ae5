"""PAN 2024 oppositional thinking, English Telegram texts: official test and train sets."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ._base import (
    Corpus,
    CorpusFormatError,
    Mapping,
    clean_series,
    labelled_frame,
    read_csv,
    read_text,
)

TEST_FILE = "dataset_en_test.json"
TRAIN_FILE = "pan2024_en_train_derived.csv"
FIELDS = ("id", "text", "category")

MAPPING = (
    Mapping("CONSPIRACY", None, 1,
            "frames events as a secret, malevolent plot by a powerful group"),
    Mapping("CRITICAL", None, 0,
            "oppositional criticism without a plot: a hard negative; hostility not annotated"),
)


def _frame(raw: pd.DataFrame, split: str) -> pd.DataFrame:
    return labelled_frame(
        clean_series(raw["text"], pretokenized=True),
        raw["category"].str.strip(),
        MAPPING,
        raw["id"].astype(str),
        official_split=split,
    )


def load_test(folder: Path) -> pd.DataFrame:
    """Read the English official test JSON (the Spanish file is not used: English model)."""
    path = folder / TEST_FILE
    try:
        items = json.loads(read_text(path))
        raw = pd.DataFrame([{f: item[f] for f in FIELDS} for item in items])
    except (ValueError, KeyError, TypeError) as exc:
        raise CorpusFormatError(
            f"{path}: expected a JSON array of objects with fields {list(FIELDS)} ({exc!r})"
        ) from exc
    return _frame(raw, "test")


def load_train(folder: Path) -> pd.DataFrame:
    """Read the derived English training CSV; rows go to train or validation."""
    raw = read_csv(folder / TRAIN_FILE, FIELDS)
    return _frame(raw, "trainval")


COMMON = dict(
    licence="CC BY-SA 4.0",
    commercial=True,
    domain="Telegram channel posts",
    mapping=MAPPING,
)

TEST = Corpus(
    name="pan_test",
    folder="pan2024_oppositional",
    title="PAN 2024 Oppositional thinking, English official test set",
    origin="github.com/dkorenci/pan-clef-2024-oppositional (Korenčić et al., CLEF 2024)",
    loader=load_test,
    files=(TEST_FILE,),
    notes="Always `test`. The Spanish test set is left out (English model).",
    **COMMON,
)

TRAIN = Corpus(
    name="pan_train",
    folder="pan2024_oppositional_train",
    title="PAN 2024 Oppositional thinking, English official train set",
    origin="github.com/Boffl/pan-clef-2024 export of the official train split; "
           "licence from github.com/dkorenci/pan-clef-2024-oppositional",
    loader=load_train,
    files=(TRAIN_FILE,),
    notes="Train/validation only; the one text also in the test set merges into test.",
    **COMMON,
)

