"""Davidson et al. 2017 hate speech / offensive language tweets (``davidson_hate_offensive``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._base import Corpus, Mapping, clean_series, labelled_frame, read_csv

FILE = "labeled_data.csv"
COLUMNS = ("count", "hate_speech", "offensive_language", "neither", "class", "tweet")

MAPPING = (
    Mapping("class 0 (hate speech)", 1, None,
            "majority judged it hate speech: contempt or slurs aimed at a group"),
    Mapping("class 1 (offensive language)", None, None,
            "mixes casual slurs and untargeted swearing with insults at people; "
            "the corpus cannot tell them apart, so hostility stays unknown"),
    Mapping("class 2 (neither)", 0, None, "majority judged it neither hateful nor offensive"),
)
_KEYS = {"0": MAPPING[0].original, "1": MAPPING[1].original, "2": MAPPING[2].original}


def load(folder: Path) -> pd.DataFrame:
    """Read ``labeled_data.csv``; the unnamed first column is the row id."""
    path = folder / FILE
    raw = read_csv(path, COLUMNS)
    return labelled_frame(
        clean_series(raw["tweet"]),
        raw["class"].map(_KEYS).fillna(raw["class"]),
        MAPPING,
        raw.iloc[:, 0],
    )


CORPUS = Corpus(
    name="davidson",
    folder="davidson_hate_offensive",
    title="Davidson et al. 2017, Hate Speech and Offensive Language",
    origin="github.com/t-davidson/hate-speech-and-offensive-language (ICWSM 2017)",
    licence="MIT",
    commercial=True,
    domain="tweets",
    mapping=MAPPING,
    loader=load,
    files=(FILE,),
)
