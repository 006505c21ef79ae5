"""ETHOS binary hate-speech comments from YouTube and Reddit (``ethos``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._base import Corpus, Mapping, clean_series, labelled_frame, read_csv

FILE = "Ethos_Dataset_Binary.csv"
COLUMNS = ("comment", "isHate")

MAPPING = (
    Mapping("isHate >= 0.5", 1, None, "most annotators judged it hate speech (authors' threshold)"),
    Mapping("0 < isHate < 0.5", None, None,
            "annotators split; a minority saw hate, so hostility is uncertain"),
    Mapping("isHate = 0", 0, None, "no annotator judged it hate speech"),
)


def _key(value: str) -> str:
    score = float(value)
    if score >= 0.5:
        return MAPPING[0].original
    return MAPPING[2].original if score == 0 else MAPPING[1].original


def load(folder: Path) -> pd.DataFrame:
    """Read the semicolon-separated binary file (the multi-label file repeats its hate rows)."""
    path = folder / FILE
    raw = read_csv(path, COLUMNS, sep=";")
    try:
        keys = raw["isHate"].map(_key)
    except ValueError as exc:
        raise ValueError(f"{path}: column isHate must hold numbers 0..1 ({exc})") from exc
    return labelled_frame(
        clean_series(raw["comment"]),
        keys,
        MAPPING,
        raw.index.astype(str),
    )


CORPUS = Corpus(
    name="ethos",
    folder="ethos",
    title="ETHOS binary hate speech",
    origin="github.com/intelligence-csd-auth-gr/Ethos-Hate-Speech-Dataset (Mollas et al. 2022)",
    licence="GPL-3.0",
    commercial=True,
    domain="YouTube/Reddit comments",
    mapping=MAPPING,
    loader=load,
    files=(FILE,),
    notes="GPL-3.0 is copyleft: redistributed derived data must stay GPL-3.0.",
)
