"""PRCT population-replacement conspiracy YouTube comments (``prct_replacement_conspiracy``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._base import Corpus, Mapping, clean_series, labelled_frame, read_csv

FILE = "anonymized_gold_standard.csv"
COLUMNS = ("CommentID", "CommentText", "Model_Classification", "Annotation")

MAPPING = (
    Mapping("gold PRCT", None, 1,
            "replacement / white-genocide / planned-invasion narrative (a demographic plot)"),
    Mapping("gold Non-PRCT", None, 0, "no replacement narrative; hostility not annotated"),
)


def gold(model: str, annotation: str) -> str:
    """Derive the gold class: the model's class if the annotator agreed, else the other one."""
    model, agreed = model.strip(), annotation.strip().lower() == "true"
    if model not in ("PRCT", "Non-PRCT") or annotation.strip().lower() not in ("true", "false"):
        return f"unexpected {model}/{annotation}"
    if not agreed:
        model = "Non-PRCT" if model == "PRCT" else "PRCT"
    return f"gold {model}"


def load(folder: Path) -> pd.DataFrame:
    """Read the gold-standard CSV and derive gold labels from model output + verification."""
    raw = read_csv(folder / FILE, COLUMNS)
    keys = pd.Series([gold(m, a) for m, a in zip(raw["Model_Classification"],
                                                   raw["Annotation"], strict=True)])
    return labelled_frame(
        clean_series(raw["CommentText"]),
        keys,
        MAPPING,
        raw["CommentID"],
    )


CORPUS = Corpus(
    name="prct",
    folder="prct_replacement_conspiracy",
    title="PRCT Detection Dataset (YouTube comments)",
    origin="github.com/erikbranmarino/PRCT-Detection-Dataset (2025)",
    licence="CC BY-NC-SA 4.0 per README (LICENSE file says CC0; the stricter one is assumed)",
    commercial=False,
    domain="YouTube comments",
    mapping=MAPPING,
    loader=load,
    files=(FILE,),
    notes="The guideline labels mere mention of the theory as PRCT; a few positives may be "
          "critical discussion.",
)
