"""Corpus adapters: one module per folder of the shared corpus directory, plus this registry.

Each adapter maps a corpus's own labels to HOSTILE / CONSPIRATORIAL (1, 0 or unknown) with a
stated reason per label (:attr:`Corpus.mapping`), cleans corpus artefacts from the text and says
which rows belong to an official split. ``docs/data.md`` shows the same mapping tables.
"""

from __future__ import annotations

from . import (
    davidson,
    ethos,
    fox_news,
    gab_hate,
    hatexplain,
    isca,
    kaggle_insults,
    mediaeval,
    olid,
    pan_oppositional,
    prct,
    sfu,
    toxicspans,
)
from ._base import (
    RAW_COLUMNS,
    Corpus,
    CorpusFormatError,
    DatasetWarning,
    Mapping,
    clean_text,
    detokenize,
)

#: Every corpus adapter, by source name, in build priority order within a tier.
CORPORA: dict[str, Corpus] = {
    c.name: c
    for c in (
        fox_news.CORPUS,
        toxicspans.CORPUS,
        sfu.CORPUS,
        olid.CORPUS,
        davidson.CORPUS,
        hatexplain.CORPUS,
        gab_hate.CORPUS,
        kaggle_insults.CORPUS,
        ethos.CORPUS,
        isca.CORPUS,
        pan_oppositional.TRAIN,
        pan_oppositional.TEST,
        mediaeval.CORPUS,
        prct.CORPUS,
    )
}


def get(name: str) -> Corpus:
    """Return the adapter called ``name``; the error lists the known names."""
    try:
        return CORPORA[name]
    except KeyError:
        raise KeyError(f"unknown corpus {name!r}; known: {', '.join(CORPORA)}") from None


def mapping_table() -> list[tuple[str, str, str, str, str]]:
    """All mapping rows as ``(source, original label, hostile, conspiratorial, reason)`` strings.

    Unknown labels are shown as ``?``; ``docs/data.md`` holds exactly these rows.
    """

    def show(v: int | None) -> str:
        return "?" if v is None else str(v)

    return [
        (c.name, m.original, show(m.hostile), show(m.conspiratorial), m.reason)
        for c in CORPORA.values()
        for m in c.mapping
    ]


__all__ = [
    "CORPORA",
    "RAW_COLUMNS",
    "Corpus",
    "CorpusFormatError",
    "DatasetWarning",
    "Mapping",
    "clean_text",
    "detokenize",
    "get",
    "mapping_table",
]
