"""ISCA antisemitism tweets, IHRA-definition expert labels (``isca_antisemitism``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._base import Corpus, Mapping, clean_series, labelled_frame, read_csv

#: Both files hold the same 6,941 tweets and labels; the UTF-8 full-text file is preferred and
#: the cp1252 "gold" file (truncated retweets) is only a fallback, so no tweet is read twice.
FILES = ("Updated_dataset_with_full_text.csv", "GoldStanderDataSet.csv")
COLUMNS = ("TweetID", "Text", "Biased", "Keyword")
SLUR_KEYWORDS = ("ZioNazi", "Kikes")

MAPPING = (
    Mapping("Biased 1", 1, None,
            "antisemitic under the IHRA definition: contempt for, or tropes against, Jews"),
    Mapping("Biased 0, keyword Jews/Israel", 0, None,
            "not antisemitic; many mention Jews or criticise Israel (hard negatives)"),
    Mapping("Biased 0, keyword ZioNazi/Kikes", None, None,
            "slur-keyword sample: not antisemitic, but the slur is often aimed at someone "
            "else, so hostility is unknown"),
)


def _key(biased: str, keyword: str) -> str:
    if biased.strip() == "1":
        return MAPPING[0].original
    if biased.strip() != "0":
        return f"Biased {biased}"
    return MAPPING[2].original if keyword.strip() in SLUR_KEYWORDS else MAPPING[1].original


def load(folder: Path) -> pd.DataFrame:
    """Read the full-text file (or the cp1252 gold file); one row per tweet id."""
    path = folder / FILES[0]
    if not path.exists():
        path = folder / FILES[1]
    raw = read_csv(path, COLUMNS).drop_duplicates("TweetID", keep=False)
    keys = [_key(b, k) for b, k in zip(raw["Biased"], raw["Keyword"], strict=True)]
    return labelled_frame(
        clean_series(raw["Text"]).to_numpy(),
        pd.Series(keys),
        MAPPING,
        raw["TweetID"].to_numpy(),
    )


CORPUS = Corpus(
    name="isca",
    folder="isca_antisemitism",
    title="ISCA Antisemitism on Twitter (Jikeli et al. 2023)",
    origin="Zenodo 10.5281/zenodo.7932888, via github.com/andwzn/llms-annotating-antisemitism",
    licence="CC BY 4.0",
    commercial=True,
    domain="tweets",
    mapping=MAPPING,
    loader=load,
    files=(FILES[0],),
    notes="Tweet ids that appear twice (one with conflicting labels) are dropped.",
)
