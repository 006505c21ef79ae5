"""HateXplain Twitter/Gab posts via the MBIB CSV, with the official split (``hatexplain``)."""

from __future__ import annotations

import json
import re
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

FILE = "092-HateXplain.csv"
SPLIT_FILE = "post_id_divisions.json"
COLUMNS = ("text", "category")

MAPPING = (
    Mapping("category 0 (normal)", 0, None, "majority: normal post"),
    Mapping("category 1 (hatespeech)", 1, None, "majority: hate speech against a group"),
    Mapping("category 2 (offensive)", None, None,
            "mixes insults at people with untargeted profanity; cannot tell them apart"),
    Mapping("category 3 (undecided)", None, None, "no 2-of-3 majority"),
)
_KEYS = {m.original.split()[1]: m.original for m in MAPPING}
# The <user> placeholder survives punctuation stripping as the bare word "user".
_USER_WORD = re.compile(r"\buser\b", re.I)


def load(folder: Path) -> pd.DataFrame:
    """Read the flattened CSV and join the official train/val/test division on post id."""
    path = folder / FILE
    raw = read_csv(path, COLUMNS)
    ids = raw.iloc[:, 0]
    split_of: dict[str, str] = {}
    split_path = folder / SPLIT_FILE
    if split_path.exists():
        try:
            divisions = json.loads(read_text(split_path))
            for name, split in (("train", "train"), ("val", "validation"), ("test", "test")):
                split_of.update(dict.fromkeys(divisions[name], split))
        except (KeyError, ValueError) as exc:
            raise CorpusFormatError(
                f"{split_path}: expected a JSON object with lists 'train', 'val', 'test' "
                f"({exc!r})") from exc
    codes = raw["category"].str.strip()
    text = raw["text"].str.replace(_USER_WORD, " ", regex=True)
    return labelled_frame(
        clean_series(text),
        codes.map(_KEYS).fillna("category " + codes),
        MAPPING,
        ids,
        official_split=ids.map(split_of),
    )


CORPUS = Corpus(
    name="hatexplain",
    folder="hatexplain",
    title="HateXplain (Mathew et al. 2021), MBIB flattened CSV",
    origin="github.com/hate-alert/HateXplain (AAAI 2021) via github.com/Media-Bias-Group/MBIB",
    licence="MIT (CSV redistributed in a GPL-3.0 repository)",
    commercial=True,
    domain="tweets and Gab posts",
    mapping=MAPPING,
    loader=load,
    files=(FILE, SPLIT_FILE),
    notes="Text is lower-cased and punctuation-stripped upstream.",
)
