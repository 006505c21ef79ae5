"""OLID / OffensEval 2019 tweets (``olid``): level A + B labels, official test split kept."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from ._base import Corpus, Mapping, clean_series, labelled_frame, read_csv, require_columns

TRAIN = "olid-training-v1.0.tsv"
TEST_A, LABELS_A = "testset-levela.tsv", "labels-levela.csv"
LABELS_B = "labels-levelb.csv"
TRAIN_COLUMNS = ("id", "tweet", "subtask_a", "subtask_b", "subtask_c")

MAPPING = (
    Mapping("NOT", 0, None, "not offensive at all"),
    Mapping("OFF/TIN", 1, None, "targeted insult or threat at a person or group"),
    Mapping("OFF/UNT", 0, None, "untargeted profanity or swearing: not aimed at anyone"),
)


def _tsv(path: Path, expected) -> pd.DataFrame:
    # tweets contain quote characters: read without quoting (see SOURCE.md)
    return read_csv(path, expected, sep="\t", quoting=csv.QUOTE_NONE)


def _label_file(path: Path) -> pd.Series:
    frame = read_csv(path, (), header=None)
    if frame.shape[1] != 2:
        raise ValueError(f"{path}: expected 2 columns (id,label) without header")
    return pd.Series(frame[1].str.strip().to_numpy(), index=frame[0].str.strip())


def load(folder: Path) -> pd.DataFrame:
    """Read the training TSV and the level-A test set with its A and B gold labels."""
    train = _tsv(folder / TRAIN, TRAIN_COLUMNS)
    train_key = train["subtask_a"].where(train["subtask_a"] == "NOT",
                                         "OFF/" + train["subtask_b"])
    test = _tsv(folder / TEST_A, ("id", "tweet"))
    a = _label_file(folder / LABELS_A)
    b = _label_file(folder / LABELS_B)
    test_a = test["id"].map(a)
    if test_a.isna().any():
        raise ValueError(f"{folder / LABELS_A}: {int(test_a.isna().sum())} test ids have no label")
    test_key = test_a.where(test_a == "NOT", "OFF/" + test["id"].map(b).fillna("?"))
    frame = pd.concat([
        pd.DataFrame({"tweet": train["tweet"], "key": train_key, "id": train["id"],
                      "official_split": "trainval"}),
        pd.DataFrame({"tweet": test["tweet"], "key": test_key, "id": test["id"],
                      "official_split": "test"}),
    ], ignore_index=True)
    require_columns(frame, ("tweet", "key"), folder)
    return labelled_frame(
        clean_series(frame["tweet"]),
        frame["key"],
        MAPPING,
        frame["id"],
        official_split=frame["official_split"],
    )


CORPUS = Corpus(
    name="olid",
    folder="olid",
    title="OLID v1.0 (OffensEval 2019)",
    origin="github.com/idontflow/OLID, mirror of the official OLID v1.0 (Zampieri et al., NAACL 2019)",
    licence="not stated (research use with citation)",
    commercial=False,
    domain="tweets",
    mapping=MAPPING,
    loader=load,
    files=(TRAIN, TEST_A, LABELS_A, LABELS_B),
    notes="Official test set (860 tweets) is always `test`; training tweets go to train/validation.",
)
