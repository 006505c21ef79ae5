"""Gab Hate Corpus, training split (``gab_hate_corpus_train``): hate-based rhetoric on Gab."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._base import (
    Corpus,
    CorpusFormatError,
    Mapping,
    abusive_word_mask,
    clean_series,
    labelled_frame,
    read_csv,
    strip_markup,
)

FILE = "ghc_train.tsv"
COLUMNS = ("text", "hd", "cv", "vo")

MAPPING = (
    Mapping("hd or cv (hate-based rhetoric)", 1, None,
            "assault on human dignity or call for violence against people for their group identity"),
    Mapping("vo only (vulgarity)", None, None,
            "vulgarity without an attack on dignity; can still insult a person, so neither 0 nor 1"),
    Mapping("neither", 0, None,
            "no hate-based rhetoric, often on the same political topics (hard negatives)"),
    Mapping("neither, with an insult or slur word", None, None,
            "GHC does not mark attacks on a single person without a group angle, which our guide "
            "counts as hostile: unknown"),
)



def _flag(raw: pd.DataFrame, column: str, path: Path) -> pd.Series:
    values = raw[column].str.strip()
    bad = sorted(set(values) - {"0", "1"})
    if bad:
        raise CorpusFormatError(
            f"{path}: column {column!r} must hold 0 or 1, found {bad[:5]}. The corpus format "
            "changed: update moderation/corpora/gab_hate.py or restore the original file.")
    return values == "1"


def _keys(raw: pd.DataFrame, path: Path, text: pd.Series) -> pd.Series:
    """Map the three annotation flags (and an insult word in a "neither" post) to one
    original-label key per post."""
    hate = _flag(raw, "hd", path) | _flag(raw, "cv", path)
    vulgar = _flag(raw, "vo", path)
    keys = pd.Series(MAPPING[2].original, index=raw.index)
    keys[abusive_word_mask(text) & ~vulgar & ~hate] = MAPPING[3].original
    keys[vulgar & ~hate] = MAPPING[1].original
    keys[hate] = MAPPING[0].original
    return keys


def load(folder: Path) -> pd.DataFrame:
    """Read ``ghc_train.tsv`` (CSV quoting, ``""`` escapes); the row number is the id."""
    path = folder / FILE
    raw = read_csv(path, COLUMNS, sep="\t")
    text = strip_markup(raw["text"])
    text = clean_series(text)
    return labelled_frame(
        text,
        _keys(raw, path, text),
        MAPPING,
        raw.index.astype(str),
    )


CORPUS = Corpus(
    name="gab_hate",
    folder="gab_hate_corpus_train",
    title="Gab Hate Corpus (Kennedy et al. 2022), training split",
    origin="github.com/liuchaoqun/hate-speech-datasets, mirror of the GHC train split "
           "(Kennedy et al., Language Resources and Evaluation 2022; original on OSF)",
    licence="not stated in the mirror (original on OSF; research use with citation)",
    commercial=False,
    domain="Gab posts",
    mapping=MAPPING,
    loader=load,
    files=(FILE,),
    notes="Only the training split; no official split is used (free hash split).",
)
