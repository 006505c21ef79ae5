"""SFU Constructiveness and Toxicity Corpus: Globe and Mail comments (``sfu_constructiveness_toxicity``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._base import Corpus, Mapping, clean_series, labelled_frame, read_csv

FILE = "SFU_constructiveness_toxicity.csv"
COLUMNS = ("_unit_id", "comment", "is_toxic_popular_answer_1")

MAPPING = (
    Mapping("toxicity 1 (not toxic)", 0, None, "crowd's most frequent answer: not toxic"),
    Mapping("toxicity 2 (mildly toxic)", None, None,
            "mildly toxic is mostly harsh criticism or sarcasm; may or may not attack people"),
    Mapping("toxicity 3 (toxic)", 1, None, "toxic: attacks people"),
    Mapping("toxicity 4 (very toxic)", 1, None, "very toxic: attacks people"),
)
_KEYS = {m.original.split()[1]: m.original for m in MAPPING}


def load(folder: Path) -> pd.DataFrame:
    """Read the CrowdFlower export; the toxicity code is the most frequent answer."""
    path = folder / FILE
    raw = read_csv(path, COLUMNS)
    codes = raw["is_toxic_popular_answer_1"].str.strip()
    return labelled_frame(
        clean_series(raw["comment"]),
        codes.map(_KEYS).fillna("toxicity " + codes),
        MAPPING,
        raw["_unit_id"],
    )


CORPUS = Corpus(
    name="sfu",
    folder="sfu_constructiveness_toxicity",
    title="SFU Constructiveness and Toxicity Corpus (Kolhatkar & Taboada 2017)",
    origin="github.com/sfu-discourse-lab/Constructiveness_Toxicity_Corpus (ALW1 2017)",
    licence="CC BY-NC-SA 4.0",
    commercial=False,
    domain="news comments",
    mapping=MAPPING,
    loader=load,
    files=(FILE,),
    notes="Toxicity codes 1-4 are inferred from the distribution (not documented upstream).",
)
