"""ToxicSpans over Civil Comments news comments (``toxicspans_civilcomments``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._base import Corpus, Mapping, clean_series, labelled_frame, read_csv

FILE = "derived_per_comment.csv"
COLUMNS = ("comment_id", "comment_text", "frac_hostile_span", "frac_profane")

MAPPING = (
    Mapping("majority marked an insult/identity-attack/threat span", 1, None,
            "most annotators found an attack on a person or group"),
    Mapping("majority marked profanity, nobody marked a hostile span", 0, None,
            "profanity-only: swearing not aimed at anyone"),
    Mapping("other (no majority span type)", None, None,
            "pre-selected as toxic, yet no clear span type: unknown (no-span posts are "
            "often wholly insulting)"),
)


def load(folder: Path) -> pd.DataFrame:
    """Read the derived per-comment span-type shares and apply the majority rule."""
    path = folder / FILE
    raw = read_csv(path, COLUMNS)
    hostile_share = raw["frac_hostile_span"].astype(float)
    profane_share = raw["frac_profane"].astype(float)
    keys = pd.Series(MAPPING[2].original, index=raw.index)
    keys[(profane_share > 0.5) & (hostile_share == 0)] = MAPPING[1].original
    keys[hostile_share > 0.5] = MAPPING[0].original
    return labelled_frame(
        clean_series(raw["comment_text"]),
        keys,
        MAPPING,
        raw["comment_id"],
    )


CORPUS = Corpus(
    name="toxicspans",
    folder="toxicspans_civilcomments",
    title="ToxicSpans (Civil Comments subset, Pavlopoulos et al. 2022)",
    origin="github.com/ipavlopoulos/toxic_spans (ACL 2022); Civil Comments (Borkan et al. 2019)",
    licence="CC0 1.0",
    commercial=True,
    domain="news comments",
    mapping=MAPPING,
    loader=load,
    files=(FILE,),
    notes="All posts were pre-selected as toxic, so clean negatives come from other corpora.",
)
