"""Fox News reader comments, hateful or not (``fox_news_comments``), split by thread."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pandas as pd

from ._base import Corpus, CorpusFormatError, Mapping, clean_series, labelled_frame, read_text

FILE = "fox-news-comments.json"
FIELDS = ("title", "text", "label")
#: Threads held out, by rank of the sha256 of the article title (deterministic): the first
#: two are test, the third validation, the rest train.
N_TEST_THREADS, N_VALIDATION_THREADS = 2, 1

MAPPING = (
    Mapping("1 (hateful)", 1, None, "threatens or demeans a person or group for who they are"),
    Mapping("0 (non-hateful)", 0, None,
            "not hateful; caveat: the guideline did not count insults at other commenters"),
)
_KEYS = {1: MAPPING[0].original, 0: MAPPING[1].original}


def thread_splits(titles) -> dict[str, str]:
    """Assign whole threads (article titles) to test / validation / train."""
    ranked = sorted(set(titles), key=lambda t: hashlib.sha256(t.encode()).hexdigest())
    out = {}
    for i, title in enumerate(ranked):
        if i < N_TEST_THREADS:
            out[title] = "test"
        elif i < N_TEST_THREADS + N_VALIDATION_THREADS:
            out[title] = "validation"
        else:
            out[title] = "train"
    return out


def load(folder: Path) -> pd.DataFrame:
    """Read the JSON Lines file; the ``user`` field (real screen names) is never read out."""
    path = folder / FILE
    try:
        raw = pd.read_json(io.StringIO(read_text(path)), lines=True)
    except ValueError as exc:
        raise CorpusFormatError(
            f"{path}: expected JSON Lines with fields {list(FIELDS)} ({exc})"
        ) from exc
    missing = [f for f in FIELDS if f not in raw.columns]
    if missing:
        raise CorpusFormatError(
            f"{path}: expected fields {list(FIELDS)}, found {list(raw.columns)}; update "
            "moderation/corpora/fox_news.py or restore the original file.")
    splits = thread_splits(raw["title"])
    thread_id = {t: hashlib.sha256(t.encode()).hexdigest()[:10] for t in splits}
    return labelled_frame(
        clean_series(raw["text"].astype(str)),
        raw["label"].map(_KEYS).fillna(raw["label"].astype(str)),
        MAPPING,
        [f"{thread_id[t]}-{i}" for i, t in zip(raw.index, raw["title"], strict=True)],
        official_split=raw["title"].map(splits),
        group="fox-thread-" + raw["title"].map(thread_id),
    )


CORPUS = Corpus(
    name="fox_news",
    folder="fox_news_comments",
    title="Fox News user comments (Gao & Huang 2017)",
    origin="github.com/sjtuprog/fox-news-comments (RANLP 2017)",
    licence="MIT",
    commercial=True,
    domain="news comments",
    mapping=MAPPING,
    loader=load,
    files=(FILE,),
    notes="10 article threads; whole threads are held out (2 test, 1 validation).",
)
