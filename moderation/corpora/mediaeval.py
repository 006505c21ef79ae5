"""MediaEval 2020 FakeNews (WICO) 5G/COVID conspiracy tweets (``mediaeval2020_fakenews``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._base import Corpus, Mapping, clean_series, labelled_frame, read_csv

FILE = "data.csv"
COLUMNS = ("ID", "Text", "Label")

MAPPING = (
    Mapping("1 (5G-corona conspiracy)", None, 1, "claims or promotes that 5G causes or spreads COVID"),
    Mapping("2 (other conspiracy)", None, None,
            "noisy in spot checks (anti-China remarks, documented operations); left unknown"),
    Mapping("3 (non-conspiracy)", None, 0,
            "same keywords without a plot, incl. news, jokes and debunking (hard negatives)"),
)
_KEYS = {m.original.split()[0]: m.original for m in MAPPING}


def load(folder: Path) -> pd.DataFrame:
    """Read ``data.csv`` (tweet id, text, label 1/2/3)."""
    raw = read_csv(folder / FILE, COLUMNS)
    codes = raw["Label"].str.strip()
    return labelled_frame(
        clean_series(raw["Text"]),
        codes.map(_KEYS).fillna(codes),
        MAPPING,
        raw["ID"],
    )


CORPUS = Corpus(
    name="mediaeval",
    folder="mediaeval2020_fakenews",
    title="MediaEval 2020 FakeNews task, WICO development tweets",
    origin="github.com/HongHanh2104/MediaEval_FakeNews (participant copy; Pogorelov et al. 2020)",
    licence="none stated (research use only)",
    commercial=False,
    domain="tweets",
    mapping=MAPPING,
    loader=load,
    files=(FILE,),
)
